"""The partners' pools as the stock audit counts them: units a pool still holds at a DC are
committed there as a sale's allotment is (inventory.ports.Commitments)."""

from __future__ import annotations

from collections import defaultdict

from flashsale.channels.ports import ChannelRepository


class PoolCommitments:
    def __init__(self, store: ChannelRepository) -> None:
        self._store = store

    async def committed_units(self) -> dict[tuple[str, str], int]:
        held: dict[tuple[str, str], int] = defaultdict(int)
        for pool in await self._store.pool_all():
            held[pool.location, pool.sku] += pool.available
        return {key: units for key, units in held.items() if units}
