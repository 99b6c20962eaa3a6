"""What an agent does to a case's order, through the orders' own services; each action is
recorded on the case (an internal system note and a ``case.action`` event naming the order),
and the orders' services record it on the order (their events: refunded, cancelled).

- ``resend-confirmation``: the order confirmation again, through the notifier;
- ``cancel-order``: a reserved order closes, a paid one is cancelled and refunded whole;
- ``refund``: part or all of a paid order; above the approval limit it waits for a supervisor;
- ``approve-refund``: a supervisor approves one (not their own: 403, the refunds' rule);
- ``start-return``: a return through fulfilment's returns, on the customer's behalf
  (``quantity``, else every unit that may still come back; 409 where the shop has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flashsale.catalog.service import Catalog
from flashsale.customers.accounts import Accounts
from flashsale.desk.domain.case import Author, Case, CaseMessage
from flashsale.desk.domain.events import CaseEventKind, event_of
from flashsale.desk.errors import ActionUnavailable
from flashsale.desk.ports import Returns
from flashsale.desk.service.agent_work import actor_of
from flashsale.desk.service.order_lookup import OrderLookup
from flashsale.desk.service.writes import CaseWrites, Outcome
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import Forbidden, InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.notifications.domain.message import Message
from flashsale.notifications.ports import Notifier
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.domain.refunds import Refund
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.refunds import Refunds
from flashsale.staff.model import Role, StaffMember, may

ACTIONS = ("resend-confirmation", "cancel-order", "refund", "approve-refund", "start-return")
SUPERVISORS = (Role.SUPERVISOR.value,)


@dataclass(frozen=True, slots=True)
class ActionDone:
    case: Case
    detail: str
    refund: Refund | None = None
    order: Order | None = None


class Actions:
    def __init__(
        self,
        writes: CaseWrites,
        lookup: OrderLookup,
        orders: Orders,
        refunds: Refunds,
        notifier: Notifier,
        accounts: Accounts,
        catalog: Catalog,
        clock: Clock,
        returns: Returns | None = None,
    ) -> None:
        self._writes = writes
        self._lookup = lookup
        self._orders = orders
        self._refunds = refunds
        self._notifier = notifier
        self._accounts = accounts
        self._catalog = catalog
        self._clock = clock
        self.returns = returns  # the seam: fulfilment's returns service, once it exists

    async def run(
        self, member: StaffMember | None, case_id: str, action: str, body: Mapping[str, Any]
    ) -> ActionDone:
        if action not in ACTIONS:
            raise NotFound(f"no action {action[:40]!r}: {', '.join(ACTIONS)}")
        case = await self._writes.read(case_id)
        if action == "start-return" and self.returns is None:
            raise ActionUnavailable(
                "returns are not available yet: the shop has no returns service (fulfilment)"
            )
        if case.order_id is None:
            raise InvalidInput(f"case {case.number} is about no order")
        order = await self._lookup.find(case.order_id)
        if order is None:
            raise NotFound(f"no order {case.order_id}")
        actor = actor_of(member)
        refund = None
        changed_order = None
        if action == "resend-confirmation":
            await self._resend(order)
            detail = f"The confirmation of order {order.id} was sent again."
        elif action == "cancel-order":
            changed_order = await self._cancel(order, actor)
            detail = f"Order {order.id} was cancelled ({order.status} before)."
        elif action == "refund":
            refund = await self._refund(case, order, body, actor)
            detail = f"Refund {refund.id} of {refund.amount} is {refund.status}" + (
                ": a supervisor approves it." if refund.status == "awaiting_approval" else "."
            )
        elif action == "approve-refund":
            if member is not None and not may(member, SUPERVISORS):
                raise Forbidden("approving a refund needs the supervisor role")
            refund = await self._refunds.approve(_text(body, "refund_id"), actor)
            if refund.order_id != order.id:
                raise InvalidInput(f"refund {refund.id} is not of order {order.id}")
            detail = f"Refund {refund.id} of {refund.amount} was approved: {refund.status}."
        else:
            assert self.returns is not None
            reason = _text(body, "reason", "asked through the service desk")
            quantity = body.get("quantity")
            if quantity is not None and (type(quantity) is not int or quantity < 1):
                raise InvalidInput("quantity: a whole number of units, 1 or more")
            started = await self.returns.start_return(
                order.id, order.customer_id, quantity, reason, actor
            )
            detail = f"Return {started} of order {order.id} was started."
        recorded = await self._record(case_id, actor, action, order.id, detail, refund)
        return ActionDone(recorded, detail, refund, changed_order)

    async def _record(
        self,
        case_id: str,
        actor: str,
        action: str,
        order_id: str,
        detail: str,
        refund: Refund | None,
    ) -> Case:
        async def recorded(case: Case) -> Outcome:
            now = self._clock.now()
            note = CaseMessage(new_id("msg"), case.id, Author.SYSTEM, None, detail, True, now)
            data: dict[str, Any] = {"action": action, "order_id": order_id}
            if refund is not None:
                data["refund_id"] = refund.id
                data["refund_status"] = refund.status.value
            return Outcome(case, [note], [event_of(case, CaseEventKind.ACTION, actor, now, **data)])

        return await self._writes.change(case_id, recorded)

    async def _resend(self, order: Order) -> None:
        customer = await self._accounts.customer(order.customer_id)
        if customer is None:
            raise NotFound(f"no customer {order.customer_id}")
        market = await self._catalog.market(customer.market_code)
        variant = await self._catalog.variant(order.sku)
        product = order.sku
        if variant is not None:
            named = [p for p in await self._catalog.products() if p.id == variant.product_id]
            attributes = ", ".join(variant.attributes.values())
            if named:
                product = f"{named[0].name} ({attributes})" if attributes else named[0].name
        await self._notifier.send(
            [
                Message(
                    customer.email,
                    "order_confirmation",
                    market.locale,
                    {
                        "order_id": order.id,
                        "product": product,
                        "quantity": order.quantity,
                        "amount": order.amount,
                        "pay_by": order.expires_at,
                        "order_url": self._lookup.url(order.id),
                    },
                )
            ]
        )

    async def _cancel(self, order: Order, actor: str) -> Order:
        if order.status is OrderStatus.PAID:
            return await self._refunds.cancel_paid(order, actor)
        # A reserved order closes as the customer's own cancel would (units back on sale).
        return await self._orders.cancel(order.customer_id, order.id)

    async def _refund(
        self, case: Case, order: Order, body: Mapping[str, Any], actor: str
    ) -> Refund:
        amount = body.get("amount")
        if amount is None:
            payment = order.amount
            amount = str(payment.amount)
        reason = _text(body, "reason", f"service desk case {case.number}")
        key = _text(body, "idempotency_key", f"desk:{case.id}:{amount}")
        refund, _ = await self._refunds.request(order.id, amount, reason, actor, key)
        return refund


def _text(body: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{key}: text is needed")
    return value.strip()
