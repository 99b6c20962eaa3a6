"""Returns: asked for by the customer, decided and received by the warehouse, refunded through
the orders' refunds (``domain/returns.py`` says what a return may do)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Protocol

from flashsale.fulfilment.domain.returns import (
    LIVE,
    Delivered,
    Return,
    ReturnStatus,
    check_returnable,
)
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.fulfilment.ports import ReturnRepository, ShipmentRepository
from flashsale.fulfilment.service.fulfilment_orders import FulfilmentOrders
from flashsale.inventory.domain.stock import Move, MoveKind
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import minor_unit_places
from flashsale.orders.domain.order import Order
from flashsale.orders.domain.refunds import Refund

R = ReturnStatus
MAX_LISTED = 1000


class ReturnRecord(ReturnRepository, ShipmentRepository, Protocol):
    async def order(self, order_id: str) -> Order | None: ...


class RefundIssuer(Protocol):
    """Orders' ``Refunds``: a partial refund, idempotent on its key."""

    async def request(
        self, order_id: str, amount: object, reason: str, actor: str, idempotency_key: str
    ) -> tuple[Refund, bool]: ...


def refund_of(order: Order, quantity: int) -> Decimal:
    """The returned units' share of what was paid, to the currency's minor unit."""
    places = Decimal(1).scaleb(-minor_unit_places(order.amount.currency))
    share = order.amount.amount * quantity / order.quantity
    return share.quantize(places, rounding=ROUND_HALF_EVEN)


class Returns:
    def __init__(
        self,
        store: ReturnRecord,
        orders: FulfilmentOrders,
        locations: Locations,
        refunds: RefundIssuer,
        clock: Clock,
        ids: Callable[[], str] = lambda: new_id("ret"),
    ) -> None:
        self._store = store
        self._orders = orders
        self._locations = locations
        self._refunds = refunds
        self._clock = clock
        self._ids = ids

    async def request(
        self,
        customer_id: str,
        order_id: str,
        quantity: int | None,
        reason: str,
        actor: str | None = None,
    ) -> Return:
        """The customer's return of ``quantity`` units (None: all that may still come back),
        asked by them or on their behalf (``actor``: the service desk's agent)."""
        order = await self._store.order(order_id)
        if order is None or order.customer_id != customer_id:
            raise NotFound(f"no order {order_id[:64]}")
        parts = (await self._orders.summary(order_id)).parts
        shipped = await self._store.shipments_of([order_id])
        arrived = [s for s in shipped if s.delivered_at is not None]
        delivered = Delivered(
            sum(s.quantity for s in arrived),
            max((s.delivered_at for s in arrived if s.delivered_at), default=None),
        )
        earlier = await self._store.returns_of([order_id])
        taken = sum(x.quantity for x in earlier if x.status in LIVE)
        if quantity is None:
            quantity = delivered.units - taken
        market = parts[0].market_code if parts else ""
        window = (await self._orders.settings(market)).return_window_days if market else 0
        now = self._clock.now()
        why = check_returnable(quantity, reason, delivered, taken, window, now)
        made = Return(
            self._ids(), order_id, customer_id, market, order.sku, quantity, why, R.REQUESTED,
            now, now,
        )  # fmt: skip
        who = actor or f"customer:{customer_id}"
        if not await self._store.add_return(made, who, delivered.units):
            # Another request for some of these units was stored after they were counted:
            # count again and refuse as the check does.
            earlier = await self._store.returns_of([order_id])
            taken = sum(x.quantity for x in earlier if x.status in LIVE)
            check_returnable(quantity, reason, delivered, taken, window, now)
            raise InvalidInput(f"quantity: at most {delivered.units - taken}")
        return made

    async def cancel(self, customer_id: str, return_id: str) -> Return:
        ret = await self.get(return_id)
        if ret.customer_id != customer_id:
            raise NotFound(f"no return {return_id[:64]}")
        return await self._move(ret, R.CANCELLED, f"customer:{customer_id}")

    async def approve(self, return_id: str, actor: str) -> Return:
        return await self._move(await self.get(return_id), R.APPROVED, actor)

    async def decline(self, return_id: str, actor: str) -> Return:
        return await self._move(await self.get(return_id), R.DECLINED, actor)

    async def receive(self, return_id: str, location: str, resellable: bool, actor: str) -> Return:
        """The units arrived at ``location``: into stock when ``resellable``, written off
        otherwise, then the refund. Receiving again changes nothing (it finishes a refund that
        failed the first time)."""
        ret = await self.get(return_id)
        if ret.status is R.APPROVED:
            place = await self._locations.get(location.upper())
            now = self._clock.now()
            received = replace(
                ret.moved(R.RECEIVED, now), location=place.code, resellable=resellable
            )
            reference = f"return {ret.id}"
            moves = [Move(place.code, ret.sku, MoveKind.RETURN_RECEIPT, ret.quantity, 0,
                          reference, actor, now)]  # fmt: skip
            if not resellable:
                moves.append(Move(place.code, ret.sku, MoveKind.WRITE_OFF, -ret.quantity, 0,
                                  reference, actor, now))  # fmt: skip
            await self._store.move_return(R.APPROVED, received, actor, moves)
            ret = await self.get(return_id)  # received now, by this call or one beside it
        if ret.status is not R.RECEIVED:
            if ret.status in {R.REFUNDED, R.CLOSED}:
                return ret
            raise InvalidTransition(f"return {ret.id} is {ret.status}: it cannot be received")
        return await self._refund(ret, actor)

    async def _refund(self, ret: Return, actor: str) -> Return:
        order = await self._store.order(ret.order_id)
        if order is None:
            raise NotFound(f"no order {ret.order_id}")
        refund, _ = await self._refunds.request(
            ret.order_id,
            str(refund_of(order, ret.quantity)),
            f"return {ret.id}: {ret.reason}"[:200],
            actor,
            f"return:{ret.id}",
        )
        refunded = replace(ret.moved(R.REFUNDED, self._clock.now()), refund_id=refund.id)
        await self._store.move_return(R.RECEIVED, refunded, actor, [])
        return await self.get(ret.id)

    async def get(self, return_id: str) -> Return:
        found = await self._store.return_(return_id)
        if found is None:
            raise NotFound(f"no return {return_id[:64]}")
        return found

    async def listed(self, status: ReturnStatus | None = None, limit: int = 100) -> list[Return]:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit: 1 to {MAX_LISTED}")
        return await self._store.returns(status, limit)

    async def of_order(self, order_id: str) -> list[Return]:
        return await self._store.returns_of([order_id])

    async def _move(self, ret: Return, to: ReturnStatus, actor: str) -> Return:
        after = ret.moved(to, self._clock.now())
        if not await self._store.move_return(ret.status, after, actor, []):
            now = await self.get(ret.id)
            raise InvalidTransition(f"return {now.id} is {now.status} (it moved meanwhile)")
        return after
