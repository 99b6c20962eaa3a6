"""The operator's console: products and prices, flash sales, a sale's live dashboard, orders.

Log-in is the admin token typed into a form, or a staff member's email and password; the
console then runs on a signed cookie (``PageSecurity``). Any staff member may look; changing
products and sales needs the admin role, as it does over the API. Every write goes through the
same use cases as the admin API.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.service import VariantSpec
from flashsale.customers.errors import TooManyAttempts
from flashsale.customers.throttle import AuthThrottle
from flashsale.http.admission import client_address
from flashsale.kernel import errors
from flashsale.kernel.keys import same_secret
from flashsale.sales import errors as sale_errors
from flashsale.sales.service.sale_directory import EDIT_FREEZE
from flashsale.sales.service.sales import SaleEdit, SaleSpec
from flashsale.staff.model import Role, may
from flashsale.staff.service import StaffDirectory
from flashsale.web.accounts import try_again_later
from flashsale.web.console_forms import (
    SALE_TIMES,
    console_path,
    parse_attributes,
    parse_int,
    parse_utc,
    sale_form_values,
    sale_price,
)
from flashsale.web.console_kit import parse_amount
from flashsale.web.dashboard import DashboardServices, sale_figures, worded
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_, staff_words
from flashsale.web.kit import PageKit
from flashsale.web.live import Snapshots, event_stream

SAVED = {
    "product": N_("The product is added."),
    "sale": N_("The sale is created: its dashboard is below."),
    "terms": N_("The new terms are saved."),
    "room": N_("The waiting room settings are saved."),
    "edited": N_("The product is saved."),
    "variant": N_("The product is saved with its new variant."),
}
# Who may change products and sales here: who may over the API (its admin endpoints).
CHANGES = (Role.ADMIN.value,)


class ConsoleServices(DashboardServices, Protocol):
    throttle: AuthThrottle
    staff: StaffDirectory

    @property
    def admin_token(self) -> str: ...


class ConsolePages:
    def __init__(self, services: ConsoleServices, kit: PageKit) -> None:
        self._services = services  # the dashboard's figures read several of them
        self._catalog = services.catalog
        self._sales = services.sales
        self._orders = services.orders
        self._admin_token = services.admin_token
        self._throttle = services.throttle
        self._staff = services.staff
        self._pages = kit.pages
        self._security = kit.security
        self._storefront = kit.storefront
        self._figures = Snapshots(period=0.5)

    async def _guard(self, request: Request, *roles: str) -> Response | None:
        """None when this console session may see the page (``roles``: none named, any staff
        member); else the way to the log-in, or 403 for a member without the role."""
        operator = await self._security.console_operator(request)
        if operator is None:
            return RedirectResponse(f"/console/login?next={request.url.path}", 303)
        if roles and not may(operator, roles):
            raise errors.Forbidden(f"this needs a staff member with the role {' or '.join(roles)}")
        return None

    def _render(
        self, request: Request, template: str, context: dict[str, object], status: int = 200
    ) -> Response:
        # What a save just did, said on the page it lands on (?saved=, set by the redirect).
        saved = SAVED.get(request.query_params.get("saved", "")) if status == 200 else None
        values = {"section": "", "saved": saved, **context}
        return self._pages.render(request, template, values, status)

    # -- log-in -------------------------------------------------------------------------

    async def log_in_form(
        self, request: Request, message: str | None = None, status: int = 200, back: str = ""
    ) -> Response:
        # The page the operator asked for, kept through a wrong token or password.
        context: dict[str, object] = {
            "message": message,
            "next": console_path(back or request.query_params.get("next")),
        }
        return self._render(request, "console/login.html", context, status)

    async def log_in(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        if form.get("email", "").strip():
            return await self._staff_log_in(request, form)
        # The admin token has no account to limit: its guesses are limited per address.
        address = client_address(request)
        try:
            await self._throttle.admit(address)
            # same_secret never matches an empty value, on either side.
            if not same_secret(form.get("token", ""), self._admin_token):
                await self._throttle.failed(address)
                return await self.log_in_form(
                    request, N_("That is not the admin token."), 401, form.get("next", "")
                )
        except TooManyAttempts as exc:
            return try_again_later(self._pages, request, exc)
        response = RedirectResponse(console_path(form.get("next")) or "/console/sales", 303)
        self._security.admin_log_in(request, response)
        return response

    async def _staff_log_in(self, request: Request, form: dict[str, str]) -> Response:
        try:
            token = await self._staff.log_in(
                form.get("email", ""), form.get("password", ""), address=client_address(request)
            )
        except (TooManyAttempts, errors.Busy) as exc:
            return try_again_later(self._pages, request, exc)
        except errors.AuthenticationFailed:
            text = N_("That is not a staff email and password.")
            return await self.log_in_form(request, text, 401, form.get("next", ""))
        except errors.Forbidden as exc:  # a disabled member
            return await self.log_in_form(request, exc.detail, 403, form.get("next", ""))
        response = RedirectResponse(console_path(form.get("next")) or "/console/sales", 303)
        self._security.staff_log_in(request, response, token)
        return response

    async def log_out(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        response = RedirectResponse("/console/login", 303)
        await self._security.admin_log_out(request, response)
        return response

    # -- products -----------------------------------------------------------------------

    async def products(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        if (denied := await self._guard(request)) is not None:
            return denied
        return self._render(
            request,
            "console/products.html",
            {
                "section": "products",
                "products": await self._catalog.products(),
                "markets": await self._catalog.markets(),
                "message": message,
                "form": form or {},
            },
            status,
        )

    async def add_product(self, request: Request) -> Response:
        if (denied := await self._guard(request, *CHANGES)) is not None:
            return denied
        form = await read_form(request)
        self._security.check_csrf(request, form)
        markets = await self._catalog.markets()
        try:
            # Each price as its market writes it: 19,90 in Greece, 1,299.90 in India.
            prices = {
                m.code: str(parse_amount(form[f"price_{m.code}"], m.locale, f"price in {m.name}"))
                for m in markets
                if form.get(f"price_{m.code}", "").strip()
            }
            spec = VariantSpec(
                sku=form.get("sku", "").strip(),
                attributes=parse_attributes(form.get("attributes", "")),
                prices=prices,
            )
            await self._catalog.add_product(form.get("name", ""), [spec])
        except (errors.InvalidInput, errors.Conflict) as exc:
            return await self.products(request, exc.detail, 422, form)
        return RedirectResponse("/console/products?saved=product", 303)

    # -- sales --------------------------------------------------------------------------

    async def sales(self, request: Request) -> Response:
        if (denied := await self._guard(request)) is not None:
            return denied
        cards = [await self._storefront.sale_card(s.id) for s in await self._sales.all()]
        cards.sort(key=lambda c: c.sale.opens_at, reverse=True)
        operator = await self._security.console_operator(request)
        may_change = operator is not None and may(operator, CHANGES)
        context = {"section": "sales", "cards": cards, "may_change": may_change}
        return self._render(request, "console/sales.html", context)

    async def new_sale_form(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        if (denied := await self._guard(request, *CHANGES)) is not None:
            return denied
        variants = [(p, v) for p in await self._catalog.products() for v in p.variants]
        return self._render(
            request,
            "console/sale_form.html",
            {
                "section": "sales",
                "variants": variants,
                "markets": await self._catalog.markets(),
                "message": message,
                "form": form or {},
            },
            status,
        )

    async def create_sale(self, request: Request) -> Response:
        if (denied := await self._guard(request, *CHANGES)) is not None:
            return denied
        form = await read_form(request)
        self._security.check_csrf(request, form)
        try:
            times = {name: parse_utc(form.get(name, ""), name) for name in SALE_TIMES}
            window = form.get("payment_window_seconds", "900").strip() or "900"
            market = await self._catalog.find_market(form.get("market", ""))
            spec = SaleSpec(
                sku=form.get("sku", ""),
                market=form.get("market", ""),
                stock=parse_int(form.get("stock", ""), "stock"),
                per_customer_limit=parse_int(form.get("per_customer_limit", "1"), "limit"),
                payment_window_seconds=float(parse_int(window, "payment window")),
                price=sale_price(form.get("price", ""), market.locale if market else "en"),
                **times,
            )
            sale = await self._sales.create(spec)
        except errors.InvalidInput as exc:
            return await self.new_sale_form(request, exc.detail, 422, form)
        return RedirectResponse(f"/console/sales/{sale.id}?saved=sale", 303)

    async def edit_sale_form(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        if (denied := await self._guard(request, *CHANGES)) is not None:
            return denied
        card = await self._storefront.sale_card(request.path_params["sale_id"])
        return self._render(
            request,
            "console/sale_edit.html",
            {
                "section": "sales",
                "card": card,
                "editable": self._sales.is_editable(card.sale),
                "freeze_seconds": int(EDIT_FREEZE.total_seconds()),
                "message": message,
                "form": form or sale_form_values(card.sale),
            },
            status,
        )

    async def edit_sale(self, request: Request) -> Response:
        if (denied := await self._guard(request, *CHANGES)) is not None:
            return denied
        sale_id = request.path_params["sale_id"]
        form = await read_form(request)
        self._security.check_csrf(request, form)
        card = await self._storefront.sale_card(sale_id)
        try:
            window = form.get("payment_window_seconds", "").strip()
            edit = SaleEdit(
                stock=parse_int(form.get("stock", ""), "stock"),
                per_customer_limit=parse_int(form.get("per_customer_limit", ""), "limit"),
                price=sale_price(form.get("price", ""), card.market.locale),
                payment_window_seconds=float(parse_int(window, "payment window")),
                **{name: parse_utc(form.get(name, ""), name) for name in SALE_TIMES},
            )
            await self._sales.edit(sale_id, edit)
        except sale_errors.SaleNotEditable as exc:
            return await self.edit_sale_form(request, exc.detail, 409, form)
        except errors.InvalidInput as exc:
            return await self.edit_sale_form(request, exc.detail, 422, form)
        return RedirectResponse(f"/console/sales/{sale_id}?saved=terms", 303)

    async def dashboard(self, request: Request) -> Response:
        if (denied := await self._guard(request)) is not None:
            return denied
        sale_id = request.path_params["sale_id"]
        card = await self._storefront.sale_card(sale_id)
        return self._render(
            request,
            "console/dashboard.html",
            {
                "section": "sales",
                "card": card,
                "figures": worded(
                    await sale_figures(self._services, sale_id), staff_words(request)
                ),
                "editable": self._sales.is_editable(card.sale),
            },
        )

    async def dashboard_feed(self, request: Request) -> Response:
        if await self._security.console_operator(request) is None:
            raise errors.Forbidden("the console needs a log-in")
        sale_id = request.path_params["sale_id"]
        await self._sales.view(sale_id)  # a 404 now, not inside the stream

        async def figures() -> dict[str, Any]:
            return await sale_figures(self._services, sale_id)

        # Every tab on a sale's dashboard shares one reading a period, worded for each.
        words = staff_words(request)

        async def shown() -> dict[str, Any]:
            return worded(await self._figures.get(sale_id, figures), words)

        return event_stream(shown)


def routes(services: ConsoleServices, kit: PageKit) -> list[BaseRoute]:
    console = ConsolePages(services, kit)
    return [
        kit.get("/console", console.sales),
        kit.get("/console/login", console.log_in_form),
        kit.post("/console/login", console.log_in),
        kit.post("/console/logout", console.log_out),
        kit.get("/console/products", console.products),
        kit.post("/console/products", console.add_product),
        kit.get("/console/sales", console.sales),
        # Before /console/sales/{sale_id}, which would take "new" for a sale's id.
        kit.get("/console/sales/new", console.new_sale_form),
        kit.post("/console/sales", console.create_sale),
        kit.get("/console/sales/{sale_id}", console.dashboard),
        kit.get("/console/sales/{sale_id}/edit", console.edit_sale_form),
        kit.post("/console/sales/{sale_id}/edit", console.edit_sale),
        kit.get("/console/sales/{sale_id}/live", console.dashboard_feed),
    ]
