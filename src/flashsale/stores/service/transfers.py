"""Click & collect by transfer: at the DC, the pickups waiting to leave, gathered by the store
each goes to (one delivery a store, with the units to pick for it); at the store, the parcels
sent for its pickups, and their receipt (``domain/transfer.py``). A clerk at a till of the
pickup store receives a parcel by its order's id; from then the order is on the store's shelf
and is set aside and handed over as any pickup (``pickups.py``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from flashsale.fulfilment.domain.order import FulfilmentOrder, SourceKind
from flashsale.inventory.domain.location import Location
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.stores.domain.transfer import in_transit, receipt_moves
from flashsale.stores.pickup_ports import PickupRepository

MAX_LISTED = 500


class TransferRecord(PickupRepository, Protocol):
    """The parts of the record a transfer's receipt reads (the shop's Store)."""

    async def fulfilment_orders_of(self, source_ids: list[str]) -> list[FulfilmentOrder]: ...

    async def location(self, code: str) -> Location | None: ...


@dataclass(frozen=True)
class StoreDelivery:
    """The transfers from one DC to one store: sent together, as one delivery."""

    store: str
    fulfilment_orders: tuple[FulfilmentOrder, ...]

    @property
    def lines(self) -> list[tuple[str, int]]:
        """What to pick for it: units by SKU."""
        units: Counter[str] = Counter()
        for fo in self.fulfilment_orders:
            units[fo.sku] += fo.quantity
        return sorted(units.items())


class PickupTransfers:
    def __init__(self, record: TransferRecord, clock: Clock) -> None:
        self._record = record
        self._clock = clock

    async def pending(self, store: str, limit: int = 100) -> list[FulfilmentOrder]:
        """The pickups on their way to this store from a DC, the oldest paid first."""
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit: 1 to {MAX_LISTED}")
        return await self._record.transfers_to(store, limit)

    async def leaving(self, location: str, limit: int = MAX_LISTED) -> list[StoreDelivery]:
        """The transfers waiting to leave ``location`` (a DC), gathered by the store each goes
        to, the store with the oldest paid order first; 404 for an unknown location."""
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit: 1 to {MAX_LISTED}")
        code = location.strip().upper()
        if await self._record.location(code) is None:
            raise NotFound(f"no location {location[:40]}")
        by_store: dict[str, list[FulfilmentOrder]] = {}
        for store, fo in await self._record.transfers_from(code, limit):
            by_store.setdefault(store, []).append(fo)
        return [StoreDelivery(store, tuple(sent)) for store, sent in by_store.items()]

    async def receive(self, store: str, clerk_id: str, order_id: str) -> FulfilmentOrder:
        """The order's parcel arrived at ``store``: its transfer written and the order put on
        the shelf. Receiving it again answers the same (it is there already); 404 unless the
        order is a pickup of this store sent from a DC."""
        for _ in range(2):
            parts = await self._record.fulfilment_orders_of([order_id])
            sent = [fo for fo in parts if fo.source_kind is SourceKind.PICKUP]
            if not sent:
                break
            (fo,) = sent  # a transfer is one parcel (fulfilment/domain/allocation.py)
            if fo.location == store and not in_transit(fo):
                return fo  # received already
            if not in_transit(fo):
                break
            now = self._clock.now()
            moves = receipt_moves(fo, store, now, f"staff:{clerk_id}")
            received = await self._record.transfer_receive(fo.id, store, moves, now)
            if received is not None:
                return received
            # Another clerk received it meanwhile, or it is no transfer to this store: look again.
        raise NotFound(f"no transfer of order {order_id[:64]} to {store}")
