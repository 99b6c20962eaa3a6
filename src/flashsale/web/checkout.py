"""Checkout of a reservation (address, card, time left to pay), my orders, an order's page."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.fulfilment.service.operations import Operations
from flashsale.kernel import errors
from flashsale.orders import errors as order_errors
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.shipping import Shipping
from flashsale.stores.service.pickups import StorePickups
from flashsale.web import address_form
from flashsale.web.forms import read_form
from flashsale.web.history import history_of
from flashsale.web.kit import PageKit
from flashsale.web.storefront import SaleCard

PAYMENT_REFUSALS: dict[type[errors.DomainError], str] = {
    order_errors.InsufficientFunds: "The card has insufficient funds. Try another card.",
    order_errors.PaymentDeclined: "The card was declined. Try another card.",
    order_errors.OrderExpired: "The time to pay has run out: the reservation expired and its units"
    " went back on sale.",
    order_errors.PaymentGatewayUnavailable: "The payment service did not answer. Nothing was"
    " charged; try again in a moment.",
    order_errors.OrderNotPayable: "This order cannot be paid any more.",
}


class CheckoutServices(Protocol):
    orders: Orders
    shipping: Shipping
    order_events: OrderEvents

    @property
    def fulfilment_ops(self) -> Operations: ...

    @property
    def fulfilment(self) -> Fulfilment: ...

    @property
    def pickups(self) -> StorePickups: ...


class CheckoutPages:
    def __init__(self, services: CheckoutServices, kit: PageKit) -> None:
        self._orders = services.orders
        self._shipping = services.shipping
        self._events = services.order_events
        self._parcels = services.fulfilment_ops.shipping
        self._pickups = services.pickups
        self._locations = services.fulfilment.locations
        self._pages = kit.pages
        self._security = kit.security
        self._storefront = kit.storefront

    def _customer_or_login(self, request: Request) -> str | Response:
        customer_id = self._security.customer_id(request)
        if customer_id is None:
            return RedirectResponse(f"/login?next={request.url.path}", 303)
        return customer_id

    async def _order_context(
        self, request: Request, order: Order, card: SaleCard | None = None
    ) -> dict[str, object]:
        card = card or await self._storefront.sale_card(order.sale_id)
        return {
            **await self._storefront.chrome(request, card.market),
            "order": order,
            "card": card,
            "address": await self._shipping.address_of(order.id),
        }

    async def checkout(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        customer_id = self._customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order = await self._orders.get(customer_id, request.path_params["order_id"])
        if order.status is not OrderStatus.RESERVED:
            return RedirectResponse(f"/orders/{order.id}", 303)
        card = await self._storefront.sale_card(order.sale_id)
        context = await self._order_context(request, order, card)
        address = context["address"]
        if form is None and isinstance(address, ShippingAddress):
            form = address_form.filled_from(address)
        form = form or {}
        # ?country= redraws the region select for another country (htmx, on a change); the
        # address most likely lies in the sale's market.
        asked = request.query_params.get("country")
        selects = address_form.choices(form, asked, card.market.code)
        return self._pages.render(
            request,
            "store/checkout.html",
            {**context, **selects, "message": message, "form": form},
            status,
        )

    async def pay(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order_id = request.path_params["order_id"]
        kept = address_form.kept(form)
        try:
            address = ShippingAddress.of(form)
            await self._shipping.set_address(customer_id, order_id, address)
            await self._orders.pay(customer_id, order_id, form.get("card", "").replace(" ", ""))
        except errors.InvalidInput as exc:
            return await self.checkout(request, exc.detail, 422, kept)
        except (
            order_errors.PaymentDeclined,
            order_errors.OrderNotPayable,
            order_errors.PaymentGatewayUnavailable,
        ) as exc:
            text = next(
                (v for cls, v in PAYMENT_REFUSALS.items() if isinstance(exc, cls)), exc.detail
            )
            if isinstance(exc, order_errors.OrderNotPayable):
                return await self.order(request, text, 409)
            return await self.checkout(request, text, 402, kept)
        return RedirectResponse(f"/orders/{order_id}", 303)

    async def cancel(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order_id = request.path_params["order_id"]
        try:
            await self._orders.cancel(customer_id, order_id)
        except (order_errors.OrderNotCancellable, order_errors.OrderNotPayable) as exc:
            return await self.order(request, exc.detail, 409)
        return RedirectResponse(f"/orders/{order_id}", 303)

    async def order(
        self, request: Request, message: str | None = None, status: int = 200
    ) -> Response:
        customer_id = self._customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order = await self._orders.get(customer_id, request.path_params["order_id"])
        context = await self._order_context(request, order)
        payment = await self._orders.payment_of(order.id)
        pickup = await self._pickups.of_order(order.id)
        store = None if pickup is None else await self._locations.get(pickup.store)
        return self._pages.render(
            request,
            "store/order.html",
            {
                **context,
                "payment": payment,
                "pickup": pickup,
                "pickup_store": None if store is None else store.name,
                "shipments": await self._parcels.of_order(order.id),
                "history": history_of(order, payment, await self._events.history(order.id)),
                "message": message,
            },
            status,
        )

    async def my_orders(self, request: Request) -> Response:
        customer_id = self._customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        orders = await self._orders.of_customer(customer_id)
        cards = {o.sale_id: await self._storefront.sale_card(o.sale_id) for o in orders}
        return self._pages.render(
            request,
            "store/orders.html",
            {**await self._storefront.chrome(request), "orders": orders, "cards": cards},
        )


def routes(services: CheckoutServices, kit: PageKit) -> list[BaseRoute]:
    checkout = CheckoutPages(services, kit)
    return [
        kit.get("/checkout/{order_id}", checkout.checkout),
        kit.post("/checkout/{order_id}", checkout.pay),
        kit.get("/orders", checkout.my_orders),
        kit.get("/orders/{order_id}", checkout.order),
        kit.post("/orders/{order_id}/cancel", checkout.cancel),
    ]
