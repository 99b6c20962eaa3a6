"""The partners' pools and the doors as the stock audit counts them: units a pool still holds
at a location are committed there as a sale's allotment is (inventory.ports.Commitments), and
every unit that left or came back is told by the door it went through
(inventory.door_ports.DoorLedger): channels keep the doors."""

from __future__ import annotations

from collections import defaultdict

from flashsale.channels.ports import ChannelRepository
from flashsale.inventory.domain.doors import DoorCount


class PoolCommitments:
    def __init__(self, store: ChannelRepository) -> None:
        self._store = store

    async def committed_units(self) -> dict[tuple[str, str], int]:
        held: dict[tuple[str, str], int] = defaultdict(int)
        for pool in await self._store.pool_all():
            held[pool.location, pool.sku] += pool.available
        return {key: units for key, units in held.items() if units}

    async def door_counts(self, sku: str | None = None) -> list[DoorCount]:
        return await self._store.door_counts(sku)
