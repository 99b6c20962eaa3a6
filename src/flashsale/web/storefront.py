"""The storefront: a market's catalogue, a product and its variants, and the flash-sale page.

Handlers read the request, call one use case of a service, and render; every rule (who may
register, when a purchase is taken or refused) stays in the service layer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from flashsale.catalog.image_model import ProductImage, image_for
from flashsale.catalog.images import ProductImages
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.catalog.service import Catalog
from flashsale.customers.accounts import Accounts
from flashsale.customers.model import Customer
from flashsale.http.admission import client_address
from flashsale.kernel import errors
from flashsale.kernel.money import Money
from flashsale.orders.service.orders import Orders
from flashsale.sales import errors as sale_errors
from flashsale.sales.domain.sale import FlashSale, SaleState
from flashsale.sales.ports import GateNotLoaded
from flashsale.sales.service.purchasing import Purchasing
from flashsale.sales.service.sales import Sales, SaleView
from flashsale.waiting_room.domain import errors as room_errors
from flashsale.waiting_room.service.room import WaitingRoom
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_
from flashsale.web.rendering import Pages
from flashsale.web.room_panel import room_message, room_panel
from flashsale.web.sale_standing import Standing
from flashsale.web.security import PageSecurity

# One clear sentence per refusal; the fan reads it at the opening second.
REFUSALS: dict[type[errors.DomainError], str] = {
    sale_errors.SaleNotOpenYet: N_(
        "Too early: the sale has not opened yet. Buy at the opening second."
    ),
    sale_errors.SoldOut: N_(
        "Sold out: every unit has been taken."
        " Unpaid reservations come back on sale when their payment window passes."
    ),
    sale_errors.InsufficientStock: N_("Not enough units left for that quantity; try fewer."),
    sale_errors.LimitReached: N_("Limit reached: you already hold as many as one fan may buy."),
    sale_errors.NotRegistered: N_(
        "Not registered: only fans who registered before the sale may buy."
    ),
    sale_errors.SaleClosed: N_("The sale is closed."),
    sale_errors.CommitFailed: N_(
        "So many fans at once that your order could not be stored. Nothing"
        " was taken: press Buy again."
    ),
}
SALE_STATE_LABELS = {
    SaleState.SCHEDULED: N_("Registration opens soon"),
    SaleState.REGISTRATION: N_("Registration open"),
    SaleState.WAITING: N_("Opening soon"),
    SaleState.OPEN: N_("On sale now"),
    SaleState.SOLD_OUT: N_("Sold out"),
    SaleState.CLOSED: N_("Ended"),
}


def refusal_message(error: errors.DomainError) -> str:
    for cls in type(error).__mro__:
        if cls in REFUSALS:
            return REFUSALS[cls]
    return error.detail


@dataclass(frozen=True, slots=True)
class Picture:
    """A product's picture as a page shows it: ``store/_picture.html`` draws it, or a neutral
    placeholder where there is none."""

    url: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class SaleCard:
    view: SaleView
    product: Product | None
    variant: Variant | None
    market: Market
    picture: Picture | None = None

    @property
    def sale(self) -> FlashSale:
        return self.view.sale

    @property
    def title(self) -> str:
        name = self.product.name if self.product else self.sale.sku
        attributes = ", ".join(self.variant.attributes.values()) if self.variant else ""
        return f"{name} ({attributes})" if attributes else name

    @property
    def state_label(self) -> str:
        return SALE_STATE_LABELS[self.view.state]

    @property
    def list_price(self) -> Money | None:
        """The variant's everyday price in the market, when the sale's is lower: shown struck
        through beside it."""
        usual = self.variant.price_in(self.market.code) if self.variant else None
        if usual is None or usual.currency != self.sale.price.currency:
            return None
        return usual if usual.amount > self.sale.price.amount else None

    @property
    def discount_percent(self) -> int:
        usual = self.list_price
        if usual is None:
            return 0
        return int((1 - self.sale.price.amount / usual.amount) * 100)


# The storefront lists what can still be bought first: on sale now, then the next openings;
# sold out last (units may still come back).
LISTING_ORDER = {
    SaleState.OPEN: 0,
    SaleState.WAITING: 1,
    SaleState.REGISTRATION: 1,
    SaleState.SCHEDULED: 1,
    SaleState.SOLD_OUT: 2,
    SaleState.CLOSED: 3,
}


class StorefrontServices(Protocol):
    catalog: Catalog
    product_images: ProductImages
    accounts: Accounts
    sales: Sales
    purchasing: Purchasing
    orders: Orders
    room: WaitingRoom


class Storefront:
    def __init__(self, services: StorefrontServices, pages: Pages, security: PageSecurity) -> None:
        self._catalog = services.catalog
        self._images = services.product_images
        self._accounts = services.accounts
        self._sales = services.sales
        self._purchasing = services.purchasing
        self._orders = services.orders
        self._room = services.room
        self._pages = pages
        self._security = security

    # -- shared -------------------------------------------------------------------------

    async def who(self, request: Request) -> Customer | None:
        customer_id = self._security.customer_id(request)
        if customer_id is None:
            return None
        return await self._accounts.customer(customer_id)

    async def chrome(self, request: Request, market: Market | None = None) -> dict[str, object]:
        """What the header of every storefront page shows."""
        customer = await self.who(request)
        markets = await self._catalog.markets()
        if market is None:
            market = await self.home_market(customer, markets)
        return {"customer": customer, "markets": markets, "market": market}

    async def home_market(self, customer: Customer | None, markets: list[Market]) -> Market | None:
        if customer is not None:
            return await self._catalog.find_market(customer.market_code)
        by_code = {m.code: m for m in markets}
        return by_code.get("IN") or (markets[0] if markets else None)

    async def markets(self) -> list[Market]:
        return await self._catalog.markets()

    async def market_of_path(self, path: str) -> Market | None:
        """The market a storefront path belongs to: ``/shop/GR/...``, or a sale's, ``/sales/ID``."""
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "shop":
            return await self._catalog.find_market(parts[1].upper())
        if len(parts) >= 2 and parts[0] == "sales":
            try:
                view = await self._sales.view(parts[1])
            except errors.DomainError:  # no such sale, or not a sale id at all
                return None
            return await self._catalog.find_market(view.sale.market_code)
        return None

    async def sale_card(self, sale_id: str) -> SaleCard:
        view = await self._sales.view(sale_id)
        market = await self._catalog.market(view.sale.market_code)
        variant = await self._catalog.variant(view.sale.sku)
        product = None
        picture = None
        if variant is not None:
            found = [p for p in await self._catalog.products() if p.id == variant.product_id]
            product = found[0] if found else None
            images = await self._images.of_product(variant.product_id)
            picture = self.picture(image_for(images, variant.sku))
        return SaleCard(view, product, variant, market, picture)

    def picture(self, image: ProductImage | None) -> Picture | None:
        if image is None:
            return None
        return Picture(self._images.url(image), image.alt, image.width, image.height)

    async def pictures(self, products: list[Product]) -> dict[str, Picture]:
        """Each product's first picture for all its variants (or first of any), by product id."""
        found = await self._images.of_products([p.id for p in products])
        shown = {pid: self.picture(image_for(images, None)) for pid, images in found.items()}
        return {pid: picture for pid, picture in shown.items() if picture is not None}

    async def _market_sales(self, market: Market, sku: str | None = None) -> list[SaleCard]:
        cards = []
        for sale in await self._sales.all():
            if sale.market_code == market.code and (sku is None or sale.sku == sku):
                card = await self.sale_card(sale.id)
                if card.view.state is not SaleState.CLOSED:
                    cards.append(card)
        cards.sort(key=lambda c: (LISTING_ORDER[c.view.state], c.sale.opens_at))
        return cards

    # -- pages --------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        customer = await self.who(request)
        market = await self.home_market(customer, await self._catalog.markets())
        if market is None:
            return self._pages.render(request, "store/empty.html", await self.chrome(request))
        return RedirectResponse(f"/shop/{market.code}", 303)

    async def catalogue(self, request: Request) -> Response:
        market = await self._catalog.market(request.path_params["market"])
        products = await self._catalog.products(market.code)
        return self._pages.render(
            request,
            "store/catalogue.html",
            {
                **await self.chrome(request, market),
                "products": products,
                "pictures": await self.pictures(products),
                "sales": await self._market_sales(market),
            },
        )

    async def product(self, request: Request) -> Response:
        market = await self._catalog.market(request.path_params["market"])
        product_id = request.path_params["product_id"]
        found = [p for p in await self._catalog.products(market.code) if p.id == product_id]
        if not found:
            raise errors.NotFound(f"no product {product_id} in {market.name}")
        product = found[0]
        wanted = request.query_params.get("sku")
        chosen = next((v for v in product.variants if v.sku == wanted), product.variants[0])
        images = await self._images.of_product(product.id)
        return self._pages.render(
            request,
            "store/product.html",
            {
                **await self.chrome(request, market),
                "product": product,
                "chosen": chosen,
                "product_picture": self.picture(image_for(images, chosen.sku)),
                "sales": await self._market_sales(market, chosen.sku),
            },
        )

    async def sale(
        self, request: Request, message: str | None = None, status: int = 200
    ) -> Response:
        card = await self.sale_card(request.path_params["sale_id"])
        chrome = await self.chrome(request, card.market)
        customer = chrome["customer"]
        standing = Standing(card.sale)
        if isinstance(customer, Customer):
            held = [
                o
                for o in await self._orders.of_customer(customer.id)
                if o.sale_id == card.sale.id and o.holds_stock
            ]
            home = None
            if customer.market_code != card.market.code:
                home = await self._catalog.find_market(customer.market_code)
            standing = Standing(
                card.sale,
                logged_in=True,
                registered=await self._sales.is_registered(card.sale.id, customer.id),
                held=held,
                home=home,
            )
        customer_id = customer.id if isinstance(customer, Customer) else None
        room = await room_panel(self._room, request, card.sale.id, customer_id)
        return self._pages.render(
            request,
            "store/sale.html",
            {
                **chrome,
                "card": card,
                "room": room,
                "standing": standing,
                "registered": standing.registered,
                "attempt": secrets.token_urlsafe(12),
                "quantities": standing.quantities,
                "message": message,
            },
            status,
        )

    # -- actions ------------------------------------------------------------------------

    async def register(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        sale_id = request.path_params["sale_id"]
        customer_id = self._security.customer_id(request)
        if customer_id is None:
            return RedirectResponse(f"/login?next=/sales/{sale_id}", 303)
        try:
            await self._sales.register(sale_id, customer_id)
        except (sale_errors.RegistrationNotOpenYet, sale_errors.RegistrationClosed) as exc:
            text = (
                N_("Registration has not opened yet.")
                if isinstance(exc, sale_errors.RegistrationNotOpenYet)
                else N_("Registration is closed: it ended before the sale opened.")
            )
            return await self.sale(request, text, 409)
        return RedirectResponse(f"/sales/{sale_id}", 303)

    async def buy(self, request: Request) -> Response:
        """htmx posts here at the opening second: a redirect to checkout, or why not."""
        form = await read_form(request)
        self._security.check_csrf(request, form)
        request.state.page_lang = form.get("page_lang")  # the refusal's language: _buy_answer
        sale_id = request.path_params["sale_id"]
        customer_id = self._security.customer_id(request)
        if customer_id is None:
            return await self._buy_answer(request, N_("Log in first, then press Buy."))
        try:
            quantity = int(form.get("quantity") or 1)
        except ValueError:
            quantity = 0
        key = form.get("attempt") or None
        try:
            # A sale that enforces its room lets only admitted fans through, as the API does.
            await self._room.admit_purchase(
                sale_id,
                customer_id,
                form.get("admission_token") or None,
                client_address(request),
                key,
            )
        except (room_errors.AdmissionRefused, room_errors.TooManyRequests) as exc:
            return await self._buy_answer(request, room_message(exc))
        try:
            result = await self._purchasing.purchase(customer_id, sale_id, quantity, key)
        except GateNotLoaded:
            return await self._buy_answer(request, REFUSALS[sale_errors.CommitFailed])
        except (sale_errors.PurchaseRefused, sale_errors.CommitFailed, errors.InvalidInput) as exc:
            return await self._buy_answer(request, refusal_message(exc))
        order = result.order
        where = f"/checkout/{order.id}" if order.status == "reserved" else f"/orders/{order.id}"
        if request.headers.get("hx-request"):
            return Response(status_code=200, headers={"HX-Redirect": where})
        return RedirectResponse(where, 303)

    async def _buy_answer(self, request: Request, text: str) -> Response:
        if request.headers.get("hx-request"):
            # 200 on purpose: htmx swaps it in, and the browser logs no failed request. In the
            # language of the page it lands in, which the form names: no look-up at the opening
            # second, when refusals come by the thousand.
            context = {"text": text, "page_locale": getattr(request.state, "page_lang", None)}
            return self._pages.render(request, "store/_buy_refusal.html", context)
        return await self.sale(request, text, 409)
