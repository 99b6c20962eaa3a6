"""Checkout of a reservation (address, a way to pay its market offers, time left to pay), my
orders, an order's page."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.market import PaymentMethod
from flashsale.customers.address_book import AddressBook
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.fulfilment.service.operations import Operations
from flashsale.kernel import errors
from flashsale.kernel.money import Money
from flashsale.orders import errors as order_errors
from flashsale.orders.domain.delivery import Delivery
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.domain.payment_methods import PaymentChoice
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.shipping import Shipping
from flashsale.stores.service.pickup import ClickAndCollect
from flashsale.stores.service.pickups import StorePickups
from flashsale.web import address_book, address_form
from flashsale.web.forms import read_form
from flashsale.web.history import history_of
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit
from flashsale.web.qr import qr_svg
from flashsale.web.storefront import SaleCard

UPI_DECLINED = N_("The UPI payment was declined. Try another UPI ID, or pay another way.")
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

    @property
    def pickup(self) -> ClickAndCollect: ...

    @property
    def address_book(self) -> AddressBook: ...


class CheckoutPages:
    def __init__(self, services: CheckoutServices, kit: PageKit) -> None:
        self._orders = services.orders
        self._shipping = services.shipping
        self._events = services.order_events
        self._parcels = services.fulfilment_ops.shipping
        self._pickups = services.pickups
        self._click_and_collect = services.pickup
        self._locations = services.fulfilment.locations
        self._pages = kit.pages
        self._security = kit.security
        self._storefront = kit.storefront
        self._services = services

    async def _order_context(
        self, request: Request, order: Order, card: SaleCard | None = None
    ) -> dict[str, object]:
        card = card or await self._storefront.sale_card(order.sale_id)
        chrome = await self._storefront.chrome(request, card.market)
        address = await self._shipping.address_of(order.id)
        return {
            **chrome,
            "order": order,
            "card": card,
            "address": address,
            "address_lines": address_book.shown_lines(address, request, chrome),
        }

    async def checkout(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        customer_id = self._security.customer_or_login(request)
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
        given = address if isinstance(address, ShippingAddress) else None
        saved, start = await address_book.checkout_choices(
            self._services.address_book, customer_id, given, request, context
        )
        form = form or start or {}
        # ?country= redraws the region select for another country (htmx, on a change); the
        # address most likely lies in the sale's market.
        asked = request.query_params.get("country")
        selects = address_form.choices(form, asked, card.market.code)
        return self._pages.render(
            request,
            "store/checkout.html",
            {
                **context,
                **selects,
                **await self._delivery_context(order, card.market.code),
                **await self._payment_context(customer_id, order, form),
                "message": message,
                "form": form,
                "saved_addresses": saved,
            },
            status,
        )

    async def _payment_context(
        self, customer_id: str, order: Order, form: dict[str, str]
    ) -> dict[str, object]:
        """The ways to pay this order (its market's), the one chosen, and the market's limit
        on cash on delivery when the order is above it."""
        _, methods, usable = await self._orders.payment_options(customer_id, order.id)
        chosen = form.get("payment_method", "")
        above_limit = methods.cod_limit is not None and PaymentMethod.COD not in usable
        return {
            "payment_methods": [m.value for m in usable],
            "payment_chosen": chosen if chosen in usable else usable[0].value,
            "cod_limit": (
                Money(methods.cod_limit, order.amount.currency)
                if above_limit and methods.cod_limit is not None
                else None
            ),
        }

    async def _delivery_context(self, order: Order, market: str) -> dict[str, object]:
        """The pickup store chosen, else the market's stores that can hand the order over."""
        chosen = (await self._click_and_collect.deliveries.of(order.id)).pickup_store
        if chosen is not None:
            location = await self._locations.get(chosen)
            return {"pickup_choice": location, "pickup_stores": []}
        stores = await self._click_and_collect.stores_for(market, order.sku, order.quantity)
        return {"pickup_choice": None, "pickup_stores": stores}

    async def choose_delivery(self, request: Request) -> Response:
        """Ship, or pick up at a store, while the order is reserved (``PUT …/delivery``)."""
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order_id = request.path_params["order_id"]
        try:
            delivery = Delivery.of(form.get("method", ""), form.get("store") or None)
            await self._click_and_collect.choose(customer_id, order_id, delivery)
        except errors.InvalidInput as exc:
            return await self.checkout(request, exc.detail, 422)
        except (errors.Conflict, order_errors.OrderNotPayable) as exc:  # no such store, or paid
            return await self.checkout(request, exc.detail, 409)
        return RedirectResponse(f"/checkout/{order_id}", 303)

    async def pay(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order_id = request.path_params["order_id"]
        method = form.get("payment_method", "card")
        kept = {
            **address_form.kept(form),
            "payment_method": method,
            "save_address": form.get("save_address", ""),
        }
        try:
            how = PaymentChoice.of(
                method, card=form.get("card", "").replace(" ", ""), vpa=form.get("vpa", "")
            )
            # A pickup order needs no address: the store hands it over.
            delivery = await self._click_and_collect.deliveries.of(order_id)
            if delivery.pickup_store is None:
                address = ShippingAddress.of(form)
                await self._shipping.set_address(customer_id, order_id, address)
                book = self._services.address_book
                refused = await address_book.keep_address(book, customer_id, form)
                if refused is not None:
                    return await self.checkout(request, refused, 409, kept)
            await self._orders.pay(customer_id, order_id, how)
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
            if type(exc) is order_errors.PaymentDeclined and how.method is PaymentMethod.UPI:
                text = UPI_DECLINED
            if isinstance(exc, order_errors.OrderNotPayable):
                return await self.order(request, text, 409)
            return await self.checkout(request, text, 402, kept)
        return RedirectResponse(f"/orders/{order_id}", 303)

    async def cancel(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        order_id = request.path_params["order_id"]
        # Only from the confirmation step: a cancel cannot be undone.
        if form.get("confirm") != "yes":
            return RedirectResponse(f"/orders/{order_id}?confirm=cancel", 303)
        try:
            await self._orders.cancel(customer_id, order_id)
        except (order_errors.OrderNotCancellable, order_errors.OrderNotPayable) as exc:
            return await self.order(request, exc.detail, 409)
        return RedirectResponse(f"/orders/{order_id}", 303)

    async def order(
        self, request: Request, message: str | None = None, status: int = 200
    ) -> Response:
        customer_id = self._security.customer_or_login(request)
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
                "pickup_qr": None if pickup is None else qr_svg(pickup.qr_text),
                "shipments": await self._parcels.of_order(order.id),
                "history": history_of(order, payment, await self._events.history(order.id)),
                "message": message,
                "confirm_cancel": request.query_params.get("confirm") == "cancel",
            },
            status,
        )

    async def my_orders(self, request: Request) -> Response:
        customer_id = self._security.customer_or_login(request)
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
        kit.post("/checkout/{order_id}/delivery", checkout.choose_delivery),
        kit.get("/orders", checkout.my_orders),
        kit.get("/orders/{order_id}", checkout.order),
        kit.post("/orders/{order_id}/cancel", checkout.cancel),
    ]
