"""The console's tools for a sale: duplicate it (the new-sale form, filled in with its terms and
its timetable moved on by whole days until it lies ahead), its waiting room's settings as a
form, and closing it early after a confirm step. Each needs the admin role, as over the API;
each save says what it did."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.service import Catalog
from flashsale.kernel import errors
from flashsale.kernel.clock import Clock
from flashsale.sales.service.sales import Sales
from flashsale.staff.model import Role
from flashsale.waiting_room.domain.room import RoomSettings
from flashsale.waiting_room.service.room import WaitingRoom
from flashsale.web.console_forms import SALE_TIMES, sale_form_values
from flashsale.web.console_kit import ConsoleKit
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit

CHANGES = (Role.ADMIN.value,)
SAVED = {"closed": N_("The sale is closed: no purchase is admitted from now on.")}
DAY = timedelta(days=1)
# The room form's fields: (name, label, kind); kind "rate" a positive number, "whole" a count.
ROOM_FIELDS = (
    ("admission_rate_per_second", N_("Fans let in per second"), "rate"),
    ("token_lifetime_seconds", N_("Seconds an admitted fan has to buy"), "rate"),
    ("pow_difficulty", N_("Proof of work (leading zero bits; 0: none)"), "whole"),
    ("registrations_per_address", N_("Fans one address may enter (empty: any)"), "whole"),
    ("customer_requests_per_second", N_("Requests per second per fan"), "rate"),
    ("address_requests_per_second", N_("Requests per second per address"), "rate"),
)


class SaleToolServices(Protocol):
    sales: Sales
    catalog: Catalog
    room: WaitingRoom
    clock: Clock


class SaleToolPages:
    def __init__(self, services: SaleToolServices, kit: PageKit) -> None:
        self._sales = services.sales
        self._catalog = services.catalog
        self._room = services.room
        self._clock = services.clock
        self._storefront = kit.storefront
        self._console = ConsoleKit(kit, SAVED)

    async def duplicate(self, request: Request) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        sale = (await self._sales.view(request.path_params["sale_id"])).sale
        # Whole days keep each moment at its time of day in the market.
        late = self._clock.now() - sale.registration_opens_at
        days = max(0, math.ceil(late / DAY))
        moved = {name: getattr(sale, name) + days * DAY for name in SALE_TIMES}
        values = sale_form_values(sale) | {
            name: moment.strftime("%Y-%m-%dT%H:%M:%S") for name, moment in moved.items()
        }
        values |= {"sku": sale.sku, "market": sale.market_code}
        variants = [(p, v) for p in await self._catalog.products() for v in p.variants]
        return self._console.render(
            request,
            "console/sale_form.html",
            {
                "section": "sales",
                "variants": variants,
                "markets": await self._catalog.markets(),
                "form": values,
                "duplicate_of": sale.id,
            },
        )

    async def room_form(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        card = await self._storefront.sale_card(request.path_params["sale_id"])
        room = await self._room.room_of(card.sale.id)
        settings = room.settings if room else RoomSettings()
        values = form or {name: _shown(getattr(settings, name)) for name, _, _ in ROOM_FIELDS} | {
            "shuffle_pre_queue": "on" if settings.shuffle_pre_queue else ""
        }
        return self._console.render(
            request,
            "console/room_form.html",
            {
                "section": "sales",
                "card": card,
                "enforced": room is not None,
                "fields": ROOM_FIELDS,
                "form": values,
                "message": message,
            },
            status,
        )

    async def save_room(self, request: Request) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        sale_id = request.path_params["sale_id"]
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        await self._sales.view(sale_id)  # a 404 for a sale that is not there
        try:
            settings = RoomSettings(
                admission_rate_per_second=_rate(form, "admission_rate_per_second"),
                shuffle_pre_queue=form.get("shuffle_pre_queue") == "on",
                token_lifetime_seconds=_rate(form, "token_lifetime_seconds"),
                pow_difficulty=_whole(form, "pow_difficulty") or 0,
                registrations_per_address=_whole(form, "registrations_per_address"),
                customer_requests_per_second=_rate(form, "customer_requests_per_second"),
                address_requests_per_second=_rate(form, "address_requests_per_second"),
            )
            await self._room.configure(sale_id, settings)
        except errors.InvalidInput as exc:
            return await self.room_form(request, exc.detail, 422, form)
        return RedirectResponse(f"/console/sales/{sale_id}?saved=room", 303)

    async def close_form(
        self, request: Request, message: str | None = None, status: int = 200
    ) -> Response:
        """The confirm step before closing a sale early, or what its close did."""
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        card = await self._storefront.sale_card(request.path_params["sale_id"])
        now = self._clock.now()
        return self._console.render(
            request,
            "console/sale_close.html",
            {
                "section": "sales",
                "card": card,
                "closed": card.sale.closes_at <= now,
                "opened": card.sale.opens_at <= now,
                "message": message,
            },
            status,
        )

    async def close(self, request: Request) -> Response:
        operator = await self._console.operator(request, *CHANGES)
        if isinstance(operator, Response):
            return operator
        sale_id = request.path_params["sale_id"]
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        if form.get("confirm") != "yes":
            message = N_("Tick the box to confirm: a closed sale cannot be opened again.")
            return await self.close_form(request, message, 422)
        await self._sales.close(sale_id)
        return RedirectResponse(f"/console/sales/{sale_id}/close?saved=closed", 303)


def _shown(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _rate(form: dict[str, str], name: str) -> float:
    text = form.get(name, "").strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise errors.InvalidInput(f"{name}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise errors.InvalidInput(f"{name}: {text!r} is not a number")
    return value


def _whole(form: dict[str, str], name: str) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise errors.InvalidInput(f"{name} must be a whole number such as 10, in digits only")
    return int(text)


def routes(services: SaleToolServices, kit: PageKit) -> list[BaseRoute]:
    pages = SaleToolPages(services, kit)
    return [
        kit.get("/console/sales/{sale_id}/duplicate", pages.duplicate),
        kit.get("/console/sales/{sale_id}/room", pages.room_form),
        kit.post("/console/sales/{sale_id}/room", pages.save_room),
        kit.get("/console/sales/{sale_id}/close", pages.close_form),
        kit.post("/console/sales/{sale_id}/close", pages.close),
    ]
