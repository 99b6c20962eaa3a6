"""One order in the console, and what an operator does to it: cancel it (refunded whole when
paid, after a confirmation), refund part or all of it (above the currency's limit it waits for
someone else's approval), approve a refund, and send its confirmation again.

Each action goes through the same use case, with the same roles, as the admin API; the record
names the operator who did it. Every save lands back on the order with a message.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.customers.accounts import Accounts
from flashsale.http.problems import status_and_title
from flashsale.http.refunds import APPROVERS, REFUNDERS
from flashsale.kernel import errors
from flashsale.kernel.ids import new_id
from flashsale.order_mail.service import OrderMail
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.domain.refunds import RefundStatus
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.refunds import Refunds
from flashsale.orders.service.shipping import Shipping
from flashsale.staff.model import Operator, Role, may
from flashsale.web.console_kit import ConsoleKit, actor_of, parse_amount
from flashsale.web.forms import read_form
from flashsale.web.history import history_of
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit

# Who may cancel an order or mail it again: the service desk and its supervisors (and admins).
CANCELLERS = (Role.SUPERVISOR.value, Role.AGENT.value)
SAVED = {
    "cancelled": N_("The order is cancelled; a paid one is refunded whole."),
    "refunded": N_("The refund is made."),
    "refund-waits": N_("The refund waits for another supervisor's approval."),
    "approved": N_("The refund is approved and made."),
    "resent": N_("The confirmation is in the outbox again."),
}


class OrderActionServices(Protocol):
    orders: Orders
    refunds: Refunds
    accounts: Accounts
    shipping: Shipping
    order_events: OrderEvents
    order_mail: OrderMail


class OrderActionPages:
    def __init__(self, services: OrderActionServices, kit: PageKit) -> None:
        self._orders = services.orders
        self._refunds = services.refunds
        self._accounts = services.accounts
        self._shipping = services.shipping
        self._events = services.order_events
        self._mail = services.order_mail
        self._storefront = kit.storefront
        self._console = ConsoleKit(kit, SAVED)

    async def order(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        operator = await self._console.operator(request)
        if isinstance(operator, Response):
            return operator
        order_id = request.path_params["order_id"]
        order = await self._orders.find(order_id)
        if order is None:
            raise errors.NotFound(f"no order {order_id}")
        payment = await self._orders.payment_of(order.id)
        refunds = await self._refunds.of_order(order.id)
        return self._console.render(
            request,
            "console/order.html",
            {
                "section": "orders",
                "order": order,
                "card": await self._storefront.sale_card(order.sale_id),
                "customer": await self._accounts.customer(order.customer_id),
                "payment": payment,
                "address": await self._shipping.address_of(order.id),
                "history": history_of(order, payment, await self._events.history(order.id)),
                "refunds": refunds,
                "awaiting": RefundStatus.AWAITING_APPROVAL,
                "confirm_cancel": request.query_params.get("confirm") == "cancel",
                "may_cancel": may(operator, CANCELLERS) and order.holds_stock,
                "may_refund": may(operator, REFUNDERS) and order.status is OrderStatus.PAID,
                "may_approve": may(operator, APPROVERS),
                "may_resend": may(operator, CANCELLERS),
                "refund_key": new_id("rfk"),  # one per form shown: a second click is one refund
                "message": message,
                "form": form or {},
            },
            status,
        )

    async def cancel(self, request: Request) -> Response:
        operator, _ = await self._acting(request, CANCELLERS)
        if isinstance(operator, Response):
            return operator
        order_id = request.path_params["order_id"]
        try:
            await self._orders.cancel_for(order_id, actor_of(operator))
        except errors.DomainError as exc:
            return await self._refused(request, exc)
        return _saved(order_id, "cancelled")

    async def refund(self, request: Request) -> Response:
        operator, form = await self._acting(request, REFUNDERS)
        if isinstance(operator, Response):
            return operator
        order_id = request.path_params["order_id"]
        order = await self._orders.find(order_id)
        if order is None:
            raise errors.NotFound(f"no order {order_id}")
        card = await self._storefront.sale_card(order.sale_id)
        try:
            amount = parse_amount(form.get("amount", ""), card.market.locale, "the amount")
            refund, _ = await self._refunds.request(
                order_id,
                str(amount),
                form.get("reason", ""),
                actor_of(operator),
                form.get("key", "") or new_id("rfk"),
            )
        except errors.DomainError as exc:
            return await self._refused(request, exc, form)
        waits = refund.status is RefundStatus.AWAITING_APPROVAL
        return _saved(order_id, "refund-waits" if waits else "refunded")

    async def approve(self, request: Request) -> Response:
        operator, _ = await self._acting(request, APPROVERS)
        if isinstance(operator, Response):
            return operator
        order_id = request.path_params["order_id"]
        try:
            refund = await self._refunds.get(request.path_params["refund_id"])
            if refund.order_id != order_id:
                raise errors.NotFound(f"order {order_id} has no refund {refund.id}")
            await self._refunds.approve(refund.id, actor_of(operator))
        except errors.DomainError as exc:
            return await self._refused(request, exc)
        return _saved(order_id, "approved")

    async def resend(self, request: Request) -> Response:
        operator, _ = await self._acting(request, CANCELLERS)
        if isinstance(operator, Response):
            return operator
        order_id = request.path_params["order_id"]
        try:
            await self._mail.resend_confirmation(order_id)
        except errors.DomainError as exc:
            return await self._refused(request, exc)
        return _saved(order_id, "resent")

    async def _refused(
        self, request: Request, exc: errors.DomainError, form: dict[str, str] | None = None
    ) -> Response:
        """The order again, saying why the action was refused (a missing order: the 404 page)."""
        if isinstance(exc, errors.NotFound):
            raise exc
        status, _ = status_and_title(exc)
        return await self.order(request, exc.detail, status, form)

    async def _acting(
        self, request: Request, roles: tuple[str, ...]
    ) -> tuple[Operator | Response, dict[str, str]]:
        operator = await self._console.operator(request, *roles)
        if isinstance(operator, Response):
            return operator, {}
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        return operator, form


def _saved(order_id: str, what: str) -> Response:
    return RedirectResponse(f"/console/orders/{order_id}?saved={what}", 303)


def routes(services: OrderActionServices, kit: PageKit) -> list[BaseRoute]:
    pages = OrderActionPages(services, kit)
    return [
        kit.get("/console/orders/{order_id}", pages.order),
        kit.post("/console/orders/{order_id}/cancel", pages.cancel),
        kit.post("/console/orders/{order_id}/refunds", pages.refund),
        kit.post("/console/orders/{order_id}/refunds/{refund_id}/approve", pages.approve),
        kit.post("/console/orders/{order_id}/resend", pages.resend),
    ]
