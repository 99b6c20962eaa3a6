"""Refunds of paid orders, and cancelling a paid order (which refunds it whole).

A refund is asked for (stored ``pending``, or ``awaiting_approval`` above the approval limit),
then the gateway is asked with the refund's id as its idempotency key, then the outcome is
stored. A crash or a gateway outage between the two leaves it ``pending``: the client's retry
with the same Idempotency-Key finds it and asks the gateway again, which gives the money back
once whatever the number of asks.

Cash on delivery: nothing is refunded of cash not collected (a cancel before delivery, or a
parcel refused, gives up the cash due instead). Cash collected went to the carrier, not the
gateway: its refunds are paid out by hand, and their record says so (``MANUAL_PAYOUT``).
"""

from __future__ import annotations

from flashsale.catalog.market import PaymentMethod
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import IdempotencyKeyReused, InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.orders.domain.order import MAX_IDEMPOTENCY_KEY, Order
from flashsale.orders.domain.refunds import (
    ApprovalLimits,
    Refund,
    RefundStatus,
    refund_amount,
    refund_reason,
)
from flashsale.orders.errors import (
    OrderNotPaid,
    PaymentDeclined,
    RefundNeedsAnotherApprover,
    RefundNotAwaitingApproval,
)
from flashsale.orders.ports import (
    FulfilmentHolds,
    OrderRepository,
    PaymentGateway,
    RefundRepository,
    UnitReturns,
)
from flashsale.orders.service.stock_release import generations_of, give_back_closed

CANCEL_REASON = "the order was cancelled"
# The reference of a refund the gateway holds nothing of (cash collected at the door).
MANUAL_PAYOUT = "manual-payout:cash-on-delivery"


class Refunds:
    def __init__(
        self,
        store: RefundRepository,
        orders: OrderRepository,
        gate: UnitReturns,
        clock: Clock,
        gateway: PaymentGateway,
        limits: ApprovalLimits,
        fulfilment: FulfilmentHolds | None = None,
    ) -> None:
        self._store = store
        # Asked before a paid order is cancelled; its units' release follows from the feed.
        self._fulfilment = fulfilment
        self._orders = orders
        self._gate = gate
        self._clock = clock
        self._gateway = gateway
        self._limits = limits

    async def request(
        self, order_id: str, amount: object, reason: str, actor: str, idempotency_key: str
    ) -> tuple[Refund, bool]:
        """Refund part or all of a paid order; the refund and whether it was made now (False:
        a retry with the same key answered with the first)."""
        if not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise InvalidInput(
                f"a refund needs an Idempotency-Key of 1 to {MAX_IDEMPOTENCY_KEY} characters"
            )
        order = await self._orders.order(order_id)
        if order is None:
            raise NotFound(f"no order {order_id}")
        money = refund_amount(amount, order.amount.currency)
        why = refund_reason(reason)
        payment = await self._orders.payment_of(order_id)
        if payment is not None and payment.method is PaymentMethod.COD and not payment.taken.amount:
            raise OrderNotPaid(
                f"order {order_id} is cash on delivery and its cash was not collected"
                f" ({payment.status}): there is nothing to refund"
            )
        asked = Refund(
            id=new_id("ref"),
            order_id=order_id,
            amount=money,
            reason=why,
            status=(
                RefundStatus.AWAITING_APPROVAL
                if self._limits.needs_approval(money)
                else RefundStatus.PENDING
            ),
            requested_by=actor,
            idempotency_key=idempotency_key,
            created_at=self._clock.now(),
        )
        stored = await self._store.add_refund(asked)
        if stored.id != asked.id and not stored.same_request(money, why):
            raise IdempotencyKeyReused(
                f"this Idempotency-Key was used for another refund ({stored.amount},"
                f" {stored.reason!r}); use a new key for a new refund"
            )
        return await self._carry_out(stored), stored.id == asked.id

    async def approve(self, refund_id: str, approver: str) -> Refund:
        refund = await self.get(refund_id)
        if refund.status is not RefundStatus.AWAITING_APPROVAL:
            raise RefundNotAwaitingApproval(f"refund {refund_id} is {refund.status}")
        if refund.requested_by == approver:
            raise RefundNeedsAnotherApprover(
                f"refund {refund_id} was asked for by {approver}: someone else approves it"
            )
        approved = await self._store.approve_refund(refund_id, approver, self._clock.now())
        if approved is None:  # another approver was first
            return await self._carry_out(await self.get(refund_id))
        return await self._carry_out(approved)

    async def get(self, refund_id: str) -> Refund:
        refund = await self._store.refund(refund_id)
        if refund is None:
            raise NotFound(f"no refund {refund_id}")
        return refund

    async def of_order(self, order_id: str) -> list[Refund]:
        return await self._store.refunds_of(order_id)

    async def cancel_paid(self, order: Order, actor: str) -> Order:
        """paid -> cancelled once, its units back on sale once, its payment refunded once.

        The gate's generations are read before the order closes, as every close does
        (stock_release.py), so a gate rebuilt meanwhile does not get the units twice.
        """
        if self._fulfilment is not None:
            await self._fulfilment.check_cancellable(order.id)
        generations = await generations_of(self._gate, [order.sale_id])
        now = self._clock.now()
        asked = Refund(
            id=new_id("ref"),
            order_id=order.id,
            amount=order.amount,
            reason=CANCEL_REASON,
            status=RefundStatus.PENDING,
            requested_by=actor,
            idempotency_key=f"cancel:{order.id}",
            created_at=now,
        )
        moved = await self._store.cancel_paid_order(order.id, now, actor, asked)
        if moved is None:
            raise OrderNotPaid(f"order {order.id} is no longer paid; nothing was cancelled")
        cancelled, refund = moved
        await give_back_closed(self._gate, [cancelled], generations)
        if refund is not None:
            await self._carry_out(refund)
        return cancelled

    async def _carry_out(self, refund: Refund) -> Refund:
        """Ask the gateway for a pending refund and store what it said."""
        if refund.status is not RefundStatus.PENDING:
            return refund
        payment = await self._orders.payment_of(refund.order_id)
        assert payment is not None, "a refund is stored only for an order with a payment"
        if payment.method is PaymentMethod.COD:
            # The carrier collected the cash; the shop pays it back by hand, as recorded.
            done = await self._store.settle_refund(
                refund.id, True, self._clock.now(), MANUAL_PAYOUT
            )
            return done or await self.get(refund.id)
        try:
            reference = await self._gateway.refund(
                payment.gateway_reference, amount=refund.amount, idempotency_key=refund.id
            )
        except PaymentDeclined:
            failed = await self._store.settle_refund(refund.id, False, self._clock.now(), None)
            return failed or await self.get(refund.id)
        # PaymentGatewayUnavailable propagates (503): the refund stays pending for a retry.
        done = await self._store.settle_refund(refund.id, True, self._clock.now(), reference)
        return done or await self.get(refund.id)
