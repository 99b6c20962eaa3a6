"""The point of sale for a store's tablet: the clerk signs in, the tablet is bound to its till
once, then search or scan a SKU into the cart, take cash or a card, and print the receipt.

Two credentials, as on the API (``http/pos.py``): the clerk's staff session (the console's
cookie, set by the staff log-in here) and the till's token, typed in once when the tablet is
set up and kept in its own HttpOnly, SameSite=Strict cookie. Everything goes through the
stores' services, so the page refuses what the API refuses.

The cart lives in the page (one hidden field, ``SKU:quantity,…``), priced by the server on every
change (htmx swaps the cart); the sale's Idempotency-Key is made with the cart, so a double
tap on Pay sells once. The printable receipt is public by its unguessable id (what its QR
code will encode) and shows no customer email.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from flashsale.catalog.service import Catalog
from flashsale.config import Settings
from flashsale.http.problems import status_and_title
from flashsale.kernel import errors
from flashsale.staff.model import StaffMember, may
from flashsale.staff.service import StaffDirectory
from flashsale.stores.domain.receipt import receipt_path, receipt_text
from flashsale.stores.domain.sale import TenderMethod
from flashsale.stores.service.assembly import Stores
from flashsale.stores.service.pickups import StorePickups
from flashsale.stores.service.selling import SaleRequest
from flashsale.stores.service.session import PosCaller
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit
from flashsale.web.qr import qr_svg

TILL_COOKIE = "flashsale_till"
TILL_COOKIE_SECONDS = 400 * 86_400  # a till's tablet keeps its till until it is revoked
CLERKS = ("clerk", "supervisor")
MAX_CART = 50
# What the print button runs: the Content-Security-Policy allows no inline script.
# Bound once per button, however often the script runs.
PRINT_SCRIPT = (
    "document.querySelectorAll('[data-print]').forEach(function (button) {"
    " if (!button.dataset.bound) { button.dataset.bound = '1';"
    " button.addEventListener('click', function () { window.print(); }); } });\n"
)


class PosPageServices(Protocol):
    settings: Settings
    staff: StaffDirectory
    catalog: Catalog

    @property
    def stores(self) -> Stores: ...

    @property
    def pickups(self) -> StorePickups: ...


def parse_cart(text: str) -> list[tuple[str, int]]:
    """``SKU:2,SKU2:1`` as the cart's lines."""
    lines: list[tuple[str, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        sku, _, quantity = item.rpartition(":")
        if not sku or not quantity.isdigit():
            raise errors.InvalidInput(f"cart: {item[:40]!r} is not SKU:quantity")
        lines.append((sku, int(quantity)))
    if len(lines) > MAX_CART:
        raise errors.InvalidInput(f"cart: at most {MAX_CART} lines")
    return lines


def cart_text(lines: list[tuple[str, int]]) -> str:
    return ",".join(f"{sku}:{quantity}" for sku, quantity in lines)


def _status(exc: errors.DomainError) -> int:
    return status_and_title(exc)[0]


class PosPages:
    def __init__(self, services: PosPageServices, kit: PageKit) -> None:
        self._services = services
        self._pages = kit.pages
        self._security = kit.security
        self._production = services.settings.environment == "production"

    @property
    def _stores(self) -> Stores:
        return self._services.stores

    async def _clerk(self, request: Request) -> StaffMember | None:
        operator = await self._security.console_operator(request)
        if not isinstance(operator, StaffMember):
            return None  # the admin token is nobody at a till
        if not may(operator, CLERKS):
            raise errors.Forbidden("the point of sale needs a staff member with the role clerk")
        return operator

    async def _caller(self, request: Request) -> PosCaller | Response:
        clerk = await self._clerk(request)
        if clerk is None:
            return self._render(request, "pos/login.html", {}, 200)
        token = request.cookies.get(TILL_COOKIE)
        if not token:
            return self._render(request, "pos/setup.html", {"clerk": clerk}, 200)
        try:
            return await self._stores.sessions.open(token, clerk)
        except errors.AuthenticationFailed as exc:
            response = self._render(
                request, "pos/setup.html", {"clerk": clerk, "message": exc.detail}, 401
            )
            response.delete_cookie(TILL_COOKIE, path="/pos", httponly=True, samesite="strict")
            return response

    def _render(
        self, request: Request, template: str, context: dict[str, Any], status: int
    ) -> Response:
        return self._pages.render(request, template, {"message": None, **context}, status)

    async def _form(self, request: Request) -> dict[str, str]:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        return form

    async def page(
        self, request: Request, message: str | None = None, status: int = 200
    ) -> Response:
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        context = await self._till_context(caller, [], message)
        return self._render(
            request, "pos/page.html", {**context, **await self._counter(request, caller)}, status
        )

    async def _counter(self, request: Request, caller: PosCaller) -> dict[str, Any]:
        """The pickup just readied or handed over at this store (``?readied=``,
        ``?collected=``: the address the counter's forms redirect to)."""
        found: dict[str, Any] = {}
        for key in ("readied", "collected"):
            order_id = request.query_params.get(key, "")[:64]
            pickup = await self._services.pickups.of_order(order_id) if order_id else None
            if pickup is not None and pickup.store == caller.store_code:
                found[key] = pickup
        return found

    async def ready_pickup(self, request: Request) -> Response:
        """Set a click & collect order aside: its code is made and mailed to the customer."""
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        form = await self._form(request)
        order_id = form.get("order_id", "").strip()
        try:
            pickup = await self._services.pickups.ready(
                caller.store_code, caller.clerk.id, order_id
            )
        except errors.DomainError as exc:
            return await self._counter_refusal(request, caller, exc)
        return RedirectResponse(f"/pos?readied={pickup.order_id}", 303)

    async def collect_pickup(self, request: Request) -> Response:
        """Hand an order over on its pickup code (typed, or scanned from its QR)."""
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        form = await self._form(request)
        try:
            done = await self._services.pickups.collect(
                caller.store_code, caller.clerk.id, form.get("code", "").strip()
            )
        except errors.DomainError as exc:
            return await self._counter_refusal(request, caller, exc)
        return RedirectResponse(f"/pos?collected={done.pickup.order_id}", 303)

    async def _counter_refusal(
        self, request: Request, caller: PosCaller, exc: errors.DomainError
    ) -> Response:
        context = await self._till_context(caller, [], None)
        return self._render(
            request, "pos/page.html", {**context, "pickup_message": exc.detail}, _status(exc)
        )

    async def _till_context(
        self, caller: PosCaller, lines: list[tuple[str, int]], message: str | None
    ) -> dict[str, Any]:
        store = await self._stores.directory.get(caller.store_code)
        _, market = await self._stores.pos.market_of(caller.store_code)
        priced, total = (
            await self._stores.pos.quote(caller.store_code, lines) if lines else ((), None)
        )
        return {
            "store": store,
            "clerk": caller.clerk,
            "till": caller.till,
            "locale": market.locale,
            "lines": priced,
            "total": total,
            "cart": cart_text(lines),
            "key": uuid.uuid4().hex,
            "cart_message": message,
        }

    async def log_in(self, request: Request) -> Response:
        form = await self._form(request)
        try:
            token = await self._services.staff.log_in(
                form.get("email", ""),
                form.get("password", ""),
                address=request.client.host if request.client else None,
            )
        except errors.DomainError as exc:
            return self._render(request, "pos/login.html", {"message": exc.detail}, _status(exc))
        response = RedirectResponse("/pos", 303)
        self._security.staff_log_in(request, response, token)
        return response

    async def bind_till(self, request: Request) -> Response:
        clerk = await self._clerk(request)
        if clerk is None:
            return RedirectResponse("/pos", 303)
        form = await self._form(request)
        token = form.get("token", "").strip()
        try:
            await self._stores.sessions.open(token, clerk)
        except errors.DomainError as exc:
            return self._render(
                request, "pos/setup.html", {"clerk": clerk, "message": exc.detail}, _status(exc)
            )
        response = RedirectResponse("/pos", 303)
        response.set_cookie(
            TILL_COOKIE,
            token,
            max_age=TILL_COOKIE_SECONDS,
            path="/pos",
            httponly=True,
            samesite="strict",
            secure=self._production or request.url.scheme == "https",
        )
        return response

    async def cart(self, request: Request) -> Response:
        """The cart after adding (or removing) a line: the fragment htmx swaps in."""
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        form = await self._form(request)
        lines = parse_cart(form.get("cart", ""))
        message = None
        removed = form.get("remove", "").strip()
        if removed:
            lines = [line for line in lines if line[0] != removed]
        sku = form.get("sku", "").strip()
        if sku:
            quantity = form.get("quantity", "1").strip() or "1"
            if not quantity.isdigit() or int(quantity) < 1:
                message = N_("quantity: a whole number, at least 1")
            else:
                try:
                    await self._stores.pos.quote(caller.store_code, [(sku, int(quantity))])
                    lines.append((sku, int(quantity)))
                except errors.DomainError as exc:
                    message = exc.detail
        merged: dict[str, int] = {}
        for line_sku, units in lines:
            merged[line_sku] = merged.get(line_sku, 0) + units
        context = await self._till_context(caller, list(merged.items()), message)
        if request.headers.get("hx-request") == "true":
            # htmx swaps only a 2xx answer: the refusal is said inside the cart it replaces.
            return self._render(request, "pos/_cart.html", context, 200)
        return self._render(request, "pos/page.html", context, 200 if message is None else 422)

    async def sell(self, request: Request) -> Response:
        caller = await self._caller(request)
        if isinstance(caller, Response):
            return caller
        form = await self._form(request)
        lines = parse_cart(form.get("cart", ""))
        method = TenderMethod.CARD if form.get("method") == "card" else TenderMethod.CASH
        try:
            tendered = None
            if method is TenderMethod.CASH and form.get("tendered", "").strip():
                try:
                    tendered = Decimal(form["tendered"].strip())
                except InvalidOperation:
                    raise errors.InvalidInput("cash tendered: not an amount") from None
            card = form.get("card", "").strip() or None if method is TenderMethod.CARD else None
            outcome = await self._stores.pos.sell(
                caller, SaleRequest(lines, method, tendered, card), form.get("key")
            )
        except errors.DomainError as exc:
            context = await self._till_context(caller, lines, None)
            return self._render(
                request, "pos/page.html", {**context, "message": exc.detail}, _status(exc)
            )
        return RedirectResponse(f"/pos/receipts/{outcome.sale.id}", 303)

    async def receipt(self, request: Request) -> Response:
        sale = await self._stores.pos.sale(request.path_params["sale_id"])
        store = await self._stores.directory.get(sale.store_code)
        timezone, market = await self._stores.pos.market_of(sale.store_code)
        text = receipt_text(sale, market.locale, timezone)
        base = self._services.settings.public_url.rstrip("/")
        url = f"{base}{receipt_path(sale.id)}"
        return self._render(
            request,
            "pos/receipt.html",
            {"sale": sale, "store": store, "text": text, "url": url, "qr": qr_svg(url)},
            200,
        )

    async def print_script(self, request: Request) -> Response:
        return Response(
            PRINT_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
        )


def routes(services: PosPageServices, kit: PageKit) -> list[BaseRoute]:
    pages = PosPages(services, kit)
    return [
        kit.get("/pos", pages.page),
        kit.post("/pos/login", pages.log_in),
        kit.post("/pos/till", pages.bind_till),
        kit.post("/pos/cart", pages.cart),
        kit.post("/pos/sales", pages.sell),
        kit.get("/pos/receipts/{sale_id}", pages.receipt),
        kit.post("/pos/pickups/ready", pages.ready_pickup),
        kit.post("/pos/pickups/collect", pages.collect_pickup),
        Route("/pos/print.js", pages.print_script, methods=["GET"]),
    ]
