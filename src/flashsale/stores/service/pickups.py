"""Click & collect at the store: the clerk sets a paid order aside (ready, with its pickup code
and a notice to the customer), hands it over on the code, and what is not collected within the
store's ``pickup_days`` is given up (cancelled, refunded, back on the shelf).

**Ready is a clerk's action**, not the allocator's: allocation promises a unit of the shelf's
count, but only a person can find it, put it in a bag with the order's number and know it is
there; the customer is told to come when that is done.

**Collecting** is three writes, each its own transaction and each a guarded move, in an order a
retry with the same code completes: the fulfilment order allocated -> shipped with its ledger
``ship`` move from the store and ``order.shipped`` (fulfilment's ``ship``), shipped -> delivered
with ``order.delivered`` (its ``deliver``), then the pickup ready -> collected. A stop between
them leaves the pickup ready and the code open, so the clerk's retry finishes it.

**Giving up** (``sweep``): the paid order is cancelled and refunded through the orders' own
paid-cancel path (``Refunds.cancel_paid``: fulfilment's ``check_cancellable``, the refund, the
``order.cancelled`` event), from which the allocator releases the store's allocated units to
free stock (fulfilment/service/allocator.py), then the pickup is closed expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus
from flashsale.fulfilment.domain.shipments import Shipment
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import Conflict, DomainError, NotFound
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.stores.domain.pickup import Pickup, PickupStatus, is_code, new_code
from flashsale.stores.domain.store import StoreProfile
from flashsale.stores.domain.transfer import in_transit
from flashsale.stores.pickup_errors import PickupNotAllocated
from flashsale.stores.service.pickup_throttle import PickupThrottle
from flashsale.stores.service.transfers import PickupTransfers, TransferRecord

CARRIER = "store pickup"  # the shipment's carrier: handed over the counter
SWEEP_BATCH = 100
MAX_CODE_DRAWS = 20  # a clash is one in a million per open pickup: twenty is never reached

log = logging.getLogger(__name__)


class PickupRecord(TransferRecord, Protocol):
    """The parts of the record the counter and the transfers use (the shop's Store)."""

    async def store_profile(self, code: str) -> StoreProfile | None: ...

    async def order(self, order_id: str) -> Order | None: ...

    async def fulfilment_order(self, fulfilment_order_id: str) -> FulfilmentOrder | None: ...

    async def ship(
        self,
        shipments: list[Shipment],
        expected: frozenset[FulfilmentStatus],
        reference: str,
        actor: str,
    ) -> list[FulfilmentOrder]: ...

    async def deliver(
        self, fulfilment_order_ids: list[str], at: datetime, actor: str
    ) -> list[Shipment]: ...


class PickupNotices(Protocol):
    """Tells the customer their order is ready (``pickup_mail.py``)."""

    async def ready(self, order: Order, pickup: Pickup) -> None: ...


class PaidCancels(Protocol):
    """``Refunds.cancel_paid``: paid -> cancelled once, refunded once."""

    async def cancel_paid(self, order: Order, actor: str) -> Order: ...


@dataclass(frozen=True, slots=True)
class Collected:
    pickup: Pickup
    order: Order


class StorePickups:
    def __init__(
        self,
        record: PickupRecord,
        notices: PickupNotices,
        cancels: PaidCancels,
        throttle: PickupThrottle,
        clock: Clock,
    ) -> None:
        self._record = record
        self._notices = notices
        self._cancels = cancels
        self._throttle = throttle
        self._clock = clock
        self.transfers = PickupTransfers(record, clock)

    async def ready(self, store: str, clerk_id: str, order_id: str) -> Pickup:
        """404 unless the order is allocated (or waits) at this store; 409 while it waits for
        stock. Readying it again answers the same pickup (its code unchanged)."""
        known = await self._record.pickup_of_order(order_id)
        if known is not None:
            if known.store != store:
                raise NotFound(f"no pickup order {order_id[:64]} at {store}")
            return known
        parts = await self._record.fulfilment_orders_of([order_id])
        here = [fo for fo in parts if fo.location == store]
        sent = [fo for fo in parts if in_transit(fo)]
        if sent and not here:
            raise PickupNotAllocated(
                f"order {order_id} is on its way to {store} from {sent[0].location}: receive"
                " its transfer first"
            )
        if not here:
            waiting = [fo for fo in parts if fo.status is FulfilmentStatus.UNALLOCATED]
            if waiting and "pickup store " + store in waiting[0].reason:
                raise PickupNotAllocated(f"order {order_id} waits for stock at {store}")
            raise NotFound(f"no pickup order {order_id[:64]} at {store}")
        (fo,) = here  # a pickup is never split (fulfilment/domain/allocation.py)
        if fo.status is not FulfilmentStatus.ALLOCATED:
            raise Conflict(f"order {order_id} is {fo.status}, not waiting on the shelf")
        profile = await self._record.store_profile(store)
        order = await self._record.order(order_id)
        if profile is None or order is None:
            raise NotFound(f"no pickup order {order_id[:64]} at {store}")
        now = self._clock.now()
        for _ in range(MAX_CODE_DRAWS):
            pickup = Pickup(
                order_id, store, fo.id, new_code(), PickupStatus.READY, now,
                now + timedelta(days=profile.pickup_days), clerk=clerk_id,
            )  # fmt: skip
            if await self._record.pickup_add(pickup):
                await self._notices.ready(order, pickup)
                return pickup
            raced = await self._record.pickup_of_order(order_id)
            if raced is not None:  # another clerk readied it meanwhile
                return raced
        raise RuntimeError(f"no free pickup code at {store} in {MAX_CODE_DRAWS} draws")

    async def collect(self, store: str, clerk_id: str, code: str) -> Collected:
        """Hand the order over. A wrong code is 404 without saying why; past 5 wrong codes a
        minute at the store, 429 (``PickupThrottle``)."""
        self._throttle.admit(store)
        pickup = await self._record.pickup_by_code(store, code) if is_code(code) else None
        if pickup is None:
            await self._throttle.failed(store)
            raise NotFound("no such pickup code")
        actor = f"staff:{clerk_id}"
        fo = await self._record.fulfilment_order(pickup.fulfilment_order_id)
        if fo is None:
            raise NotFound("no such pickup code")
        now = self._clock.now()
        if fo.status is FulfilmentStatus.ALLOCATED:
            shipment = Shipment(
                fo.id, fo.source_id, store, fo.sku, fo.quantity, CARRIER,
                f"pickup-{fo.source_id}", now, now,
            )  # fmt: skip
            # A twin tap of the same code may have shipped it first: then deliver on.
            with contextlib.suppress(InvalidTransition):
                await self._record.ship(
                    [shipment],
                    frozenset({FulfilmentStatus.ALLOCATED}),
                    f"pickup {fo.source_id}",
                    actor,
                )
        await self._record.deliver([fo.id], now, actor)
        closed = await self._record.pickup_close(
            pickup.order_id, PickupStatus.COLLECTED, now, clerk_id
        )
        order = await self._record.order(pickup.order_id)
        assert order is not None
        return Collected(closed or pickup, order)

    async def of_order(self, order_id: str) -> Pickup | None:
        return await self._record.pickup_of_order(order_id)

    async def sweep(self, limit: int = SWEEP_BATCH) -> int:
        """Give up the pickups past their day: cancelled, refunded, restocked. Returns how many."""
        now = self._clock.now()
        done = 0
        for pickup in await self._record.pickups_due(now, limit):
            order = await self._record.order(pickup.order_id)
            if order is None:
                continue
            try:
                await self._cancels.cancel_paid(order, "system:pickup-expiry")
            except DomainError as refused:  # collected meanwhile, or cancelled already
                fresh = await self._record.order(pickup.order_id)
                if fresh is None or fresh.status is not OrderStatus.CANCELLED:
                    log.info("pickup %s not given up: %s", pickup.order_id, refused.detail)
                    continue
            if await self._record.pickup_close(pickup.order_id, PickupStatus.EXPIRED, now, None):
                done += 1
        return done

    async def run_forever(self, poll_seconds: float) -> None:
        """The background step, beside fulfilment's: pickups given up as their day passes.
        Every process may run it: each give-up is a guarded move (paid -> cancelled once,
        ready -> expired once)."""
        while True:
            try:
                while await self.sweep() == SWEEP_BATCH:
                    pass
            except Exception:
                log.exception("giving up uncollected pickups failed; trying again")
            await asyncio.sleep(poll_seconds)
