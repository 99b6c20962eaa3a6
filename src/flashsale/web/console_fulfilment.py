"""The console's Fulfilment page: the locations with their stock, the orders waiting for stock
(with why), the waves (cut one, print it, ship it by pasting its CSV), and the returns queue.

Behind the console's log-in: anyone at the console sees it; the warehouse (and supervisors)
act on it. A refusal is said on the page, with nothing written.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.returns import ReturnStatus
from flashsale.fulfilment.domain.shipments import read_shipments_csv
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.fulfilment.service.operations import Operations
from flashsale.kernel import errors
from flashsale.staff.model import Operator, may
from flashsale.web.console_kit import ConsoleKit, actor_of
from flashsale.web.forms import read_form, whole_number
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit

WAREHOUSE = ("supervisor", "warehouse")
SAVED = {
    "wave": N_("Wave cut: its orders are picking."),
    "shipped": N_("Shipped: the parcels are on their way."),
    "approved": N_("Return approved."),
    "declined": N_("Return declined."),
    "received": N_("Return received and refunded."),
}
SHOWN = 50


class FulfilmentPageServices(Protocol):
    @property
    def fulfilment(self) -> Fulfilment: ...

    @property
    def fulfilment_ops(self) -> Operations: ...


class FulfilmentPages:
    def __init__(self, services: FulfilmentPageServices, kit: PageKit) -> None:
        self._services = services
        self._console = ConsoleKit(kit, SAVED)

    async def page(
        self, request: Request, message: str | None = None, status: int = 200
    ) -> Response:
        operator = await self._console.operator(request)
        if isinstance(operator, Response):
            return operator
        f, ops = self._services.fulfilment, self._services.fulfilment_ops
        levels = await f.stock.levels()
        queue = [
            *await ops.returns.listed(ReturnStatus.REQUESTED, SHOWN),
            *await ops.returns.listed(ReturnStatus.APPROVED, SHOWN),
        ]
        return self._console.render(
            request,
            "console/fulfilment/page.html",
            {
                "section": "fulfilment",
                "locations": await f.locations.all(),
                "levels": levels,
                "unallocated": await f.orders.listed(FulfilmentStatus.UNALLOCATED, limit=SHOWN),
                "waves": await ops.waves.listed(limit=20),
                "returns": queue,
                "may_act": may(operator, WAREHOUSE),
                "message": message,
            },
            status,
        )

    async def _acting(self, request: Request) -> tuple[Operator | Response, dict[str, str]]:
        operator = await self._console.operator(request, *WAREHOUSE)
        if isinstance(operator, Response):
            return operator, {}
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        return operator, form

    async def cut(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        try:
            asked = form.get("max_orders", "").strip()
            most = whole_number(asked, "max orders") if asked else None
            await self._services.fulfilment_ops.waves.cut(
                form.get("location", ""), most, actor_of(operator)
            )
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc))
        return _saved("wave")

    async def ship(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        requests, unread = read_shipments_csv(form.get("csv", ""))
        try:
            await self._services.fulfilment_ops.shipping.ship_wave(
                request.path_params["wave_id"], requests, actor_of(operator), unread
            )
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc))
        return _saved("shipped")

    async def return_action(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        returns = self._services.fulfilment_ops.returns
        return_id, action = request.path_params["return_id"], request.path_params["action"]
        actor = actor_of(operator)
        try:
            if action == "approve":
                await returns.approve(return_id, actor)
            elif action == "decline":
                await returns.decline(return_id, actor)
            elif action == "receive":
                resellable = form.get("resellable") == "yes"
                await returns.receive(return_id, form.get("location", ""), resellable, actor)
            else:
                raise errors.NotFound(f"no action {action[:20]}")
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc))
        return _saved({"approve": "approved", "decline": "declined"}.get(action, "received"))

    async def pick_list(self, request: Request) -> Response:
        operator = await self._console.operator(request)
        if isinstance(operator, Response):
            return operator
        wave_id = request.path_params["wave_id"]
        document = await self._services.fulfilment_ops.waves.pick_list(wave_id)
        return Response(document, media_type="application/pdf")

    async def packing_slips(self, request: Request) -> Response:
        operator = await self._console.operator(request)
        if isinstance(operator, Response):
            return operator
        wave_id = request.path_params["wave_id"]
        document = await self._services.fulfilment_ops.waves.packing_slips(wave_id)
        return Response(document, media_type="application/pdf")


def _status(exc: errors.DomainError) -> int:
    if isinstance(exc, errors.NotFound):
        return 404
    return 409 if isinstance(exc, errors.Conflict) else 422


def _saved(what: str) -> Response:
    return RedirectResponse(f"/console/fulfilment?saved={what}", 303)


def routes(services: FulfilmentPageServices, kit: PageKit) -> list[BaseRoute]:
    pages = FulfilmentPages(services, kit)
    base = "/console/fulfilment"
    return [
        kit.get(base, pages.page),
        kit.post(f"{base}/waves", pages.cut),
        kit.post(f"{base}/waves/{{wave_id}}/shipments", pages.ship),
        kit.get(f"{base}/waves/{{wave_id}}/pick-list.pdf", pages.pick_list),
        kit.get(f"{base}/waves/{{wave_id}}/packing-slips.pdf", pages.packing_slips),
        kit.post(f"{base}/returns/{{return_id}}/{{action}}", pages.return_action),
    ]
