"""Packing, shipping (one order, or a wave's parcels in bulk) and delivery.

A wave's bulk shipment packs and ships in one step: its orders may be picking or packed. One
order shipped by itself must be packed first. Delivery comes from the carrier: the sandbox
carrier delivers on the clock, and ``deliver_due`` (run by the background loop and
``flashsale fulfil deliver``) asks it which parcels in transit have arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.shipments import (
    Shipment,
    ShipmentRequest,
    check_request,
    refuse_rows,
)
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.fulfilment.ops_errors import BadShipmentRows
from flashsale.fulfilment.ports import Carrier, ShipmentRepository, WaveRepository
from flashsale.fulfilment.service.fulfilment_orders import FulfilmentOrders
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound

log = logging.getLogger(__name__)

S = FulfilmentStatus
DELIVERY_BATCH = 1000
BULK_FROM = frozenset({S.PICKING, S.PACKED})


PICKUP_NOT_A_PARCEL = (
    "a store pickup: its units reach the store by transfer (received at the till) or wait"
    " on the store's shelf to be collected by code, never as a parcel to the customer"
)


def refuse_pickup(fo: FulfilmentOrder) -> None:
    """A pickup's fulfilment order is no parcel: packed or shipped by hand at a DC it would
    leave as one and could no longer be received at its store."""
    if fo.source_kind is SourceKind.PICKUP:
        raise InvalidTransition(f"fulfilment order {fo.id} is {PICKUP_NOT_A_PARCEL}")


class ShippingRecord(ShipmentRepository, WaveRepository, Protocol):
    pass


class Shipping:
    def __init__(
        self,
        store: ShippingRecord,
        orders: FulfilmentOrders,
        locations: Locations,
        carrier: Carrier,
        clock: Clock,
    ) -> None:
        self._store = store
        self._orders = orders
        self._locations = locations
        self._carrier = carrier
        self._clock = clock

    async def pack(self, fulfilment_order_id: str) -> FulfilmentOrder:
        refuse_pickup(await self._orders.get(fulfilment_order_id))
        return await self._orders.move(fulfilment_order_id, S.PACKED)

    async def ship(
        self, fulfilment_order_id: str, carrier: str, tracking_number: str, actor: str
    ) -> Shipment:
        """Ship one packed order; refused (InvalidTransition, naming its state) otherwise."""
        fo = await self._orders.get(fulfilment_order_id)
        refuse_pickup(fo)
        if fo.status is not S.PACKED:
            raise InvalidTransition(
                f"fulfilment order {fo.id} is {fo.status}: only a packed order ships"
            )
        request = ShipmentRequest(fo.id, carrier, tracking_number)
        problem = check_request(request)
        if problem is not None:
            raise BadShipmentRows(problem)
        (shipment,) = await self._shipments([(fo, request)])
        await self._store.ship([shipment], frozenset({S.PACKED}), f"shipment {fo.id}", actor)
        return shipment

    async def ship_wave(
        self,
        wave_id: str,
        requests: Sequence[tuple[int, ShipmentRequest]],
        actor: str,
        unread: Sequence[str] = (),
    ) -> list[Shipment]:
        """Ship the wave's parcels named (each with its line in the file or list), all or
        none: a row naming an order outside the wave, one not picking or packed, or one named
        twice refuses the whole (BadShipmentRows, naming the lines, with ``unread``: the
        lines of the file that did not read)."""
        wave = await self._store.wave(wave_id)
        if wave is None:
            raise NotFound(f"no wave {wave_id[:64]}")
        held = {fo.id: fo for fo in wave.orders}
        bad = list(unread)
        seen: set[str] = set()
        pairs: list[tuple[FulfilmentOrder, ShipmentRequest]] = []
        for line, request in requests:
            fo = held.get(request.fulfilment_order_id)
            problem = check_request(request)
            if problem is None and fo is None:
                problem = f"{request.fulfilment_order_id[:64]} is not in wave {wave.id}"
            elif problem is None and request.fulfilment_order_id in seen:
                problem = f"{request.fulfilment_order_id} is named twice"
            elif problem is None and fo is not None and fo.source_kind is SourceKind.PICKUP:
                problem = f"{fo.id} is {PICKUP_NOT_A_PARCEL}"
            elif problem is None and fo is not None and fo.status not in BULK_FROM:
                problem = f"{fo.id} is {fo.status}"
            if problem is not None or fo is None:
                bad.append(f"line {line}: {problem}")
                continue
            seen.add(fo.id)
            pairs.append((fo, request))
        refuse_rows(sorted(bad, key=_line_number))
        if not pairs:
            raise BadShipmentRows("no rows")
        shipments = await self._shipments(pairs)
        await self._store.ship(shipments, BULK_FROM, f"wave {wave.id}", actor)
        return shipments

    async def deliver(self, fulfilment_order_id: str, actor: str) -> Shipment:
        """Record one shipped order delivered (a carrier's word given by hand)."""
        fo = await self._orders.get(fulfilment_order_id)
        if fo.status is not S.SHIPPED:
            raise InvalidTransition(
                f"fulfilment order {fo.id} is {fo.status}: only a shipped order is delivered"
            )
        delivered = await self._store.deliver([fo.id], self._clock.now(), actor)
        if not delivered:
            now = await self._orders.get(fulfilment_order_id)
            raise InvalidTransition(f"fulfilment order {now.id} is {now.status} (it moved)")
        return delivered[0]

    async def deliver_due(self, limit: int = DELIVERY_BATCH) -> int:
        """Ask the carrier which parcels in transit have arrived, and record them delivered,
        a batch at a time; how many."""
        done = 0
        while True:
            now = self._clock.now()
            due = await self._store.shipments_due(now, limit)
            arrived = self._carrier.delivered(due, now)
            if arrived:
                done += len(
                    await self._store.deliver(arrived, now, f"carrier:{self._carrier.name}")
                )
            if len(due) < limit or not arrived:
                return done

    async def of_order(self, order_id: str) -> list[Shipment]:
        return await self._store.shipments_of([order_id])

    async def run_forever(self, poll_seconds: float) -> None:
        """The background step: deliveries as the carrier reports them."""
        while True:
            try:
                await self.deliver_due()
            except Exception:
                log.exception("recording deliveries failed; trying again")
            await asyncio.sleep(poll_seconds)

    async def _shipments(
        self, pairs: Sequence[tuple[FulfilmentOrder, ShipmentRequest]]
    ) -> list[Shipment]:
        now = self._clock.now()
        made = []
        places = {loc.code: loc for loc in await self._locations.all()}
        for fo, request in pairs:
            assert fo.location is not None  # picking, packed: placed
            booking = self._carrier.book(fo, places[fo.location], now)
            made.append(
                Shipment(
                    fo.id,
                    fo.source_id,
                    fo.location,
                    fo.sku,
                    fo.quantity,
                    request.carrier,
                    request.tracking_number or booking.tracking_number,
                    now,
                    booking.due_at,
                )
            )
        return made


def _line_number(problem: str) -> int:
    head = problem.removeprefix("line ").split(":", 1)[0]
    return int(head) if head.isdigit() else 0
