"""The customer's side of the desk: "Get help" on an order's page opens a case about that order
(answered from the record where it can), ``/cases`` lists theirs, ``/cases/{id}`` shows a case's
thread (internal notes never), takes their reply, and their verdict on the record's answer.

Another customer's case, or an order not theirs, is reported missing (404), as the API does.
The thread is re-read by htmx every few seconds: the agent's reply appears without a reload.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.service import Catalog
from flashsale.desk.service.desk import Desk
from flashsale.kernel import errors
from flashsale.web.desk_markets import Markets
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit

POLL_SECONDS = 5
SAVED = {
    "sent": N_("Your message is sent."),
    "accepted": N_("Glad it helped: the case is solved."),
    "asked": N_("A person from our service team will answer you here and by e-mail."),
}


class CasePageServices(Protocol):
    catalog: Catalog

    @property
    def desk(self) -> Desk: ...


class CasePages:
    def __init__(self, services: CasePageServices, kit: PageKit) -> None:
        self._desk = services.desk
        self._markets = Markets(services.catalog)
        self._pages = kit.pages
        self._security = kit.security
        self._storefront = kit.storefront

    async def _posted(self, request: Request) -> tuple[str | Response, dict[str, str]]:
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id, {}
        form = await read_form(request)
        self._security.check_csrf(request, form)
        return customer_id, form

    async def get_help(self, request: Request) -> Response:
        """The order page's form: a case about this order (404 for another's order)."""
        customer_id, form = await self._posted(request)
        if isinstance(customer_id, Response):
            return customer_id
        case = await self._desk.cases.open_for_customer(
            customer_id,
            form.get("topic", "other"),
            form.get("message", ""),
            request.path_params["order_id"],
        )
        return RedirectResponse(f"/cases/{case.id}", 303)

    async def my_cases(self, request: Request) -> Response:
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        return self._pages.render(
            request,
            "cases/list.html",
            {
                **await self._storefront.chrome(request),
                "cases": await self._desk.cases.of_customer(customer_id),
            },
        )

    async def case(
        self, request: Request, message: str | None = None, status: int = 200
    ) -> Response:
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        thread = await self._desk.cases.customer_case(customer_id, request.path_params["case_id"])
        market = await self._markets.one(thread.case.market)
        saved = SAVED.get(request.query_params.get("saved", "")) if status == 200 else None
        return self._pages.render(
            request,
            "cases/case.html",
            {
                **await self._storefront.chrome(request, market),
                "thread": thread,
                "case": thread.case,
                "poll": POLL_SECONDS,
                "saved": saved,
                "message": message,
            },
            status,
        )

    async def thread(self, request: Request) -> Response:
        customer_id = self._security.customer_or_login(request)
        if isinstance(customer_id, Response):
            return customer_id
        thread = await self._desk.cases.customer_case(customer_id, request.path_params["case_id"])
        return self._pages.render(
            request,
            "cases/_thread.html",
            {
                "thread": thread,
                "case": thread.case,
                "market": await self._markets.one(thread.case.market),
                "poll": POLL_SECONDS,
            },
        )

    async def write(self, request: Request) -> Response:
        customer_id, form = await self._posted(request)
        if isinstance(customer_id, Response):
            return customer_id
        case_id = request.path_params["case_id"]
        try:
            await self._desk.cases.customer_writes(customer_id, case_id, form.get("message", ""))
        except errors.NotFound:
            raise
        except errors.DomainError as exc:
            return await self.case(request, exc.detail, 409 if _conflict(exc) else 422)
        return RedirectResponse(f"/cases/{case_id}?saved=sent", 303)

    async def verdict(self, request: Request) -> Response:
        customer_id, _ = await self._posted(request)
        if isinstance(customer_id, Response):
            return customer_id
        case_id, verdict = request.path_params["case_id"], request.path_params["verdict"]
        try:
            if verdict == "accept-answer":
                await self._desk.cases.accept_answer(customer_id, case_id)
            elif verdict == "ask-for-agent":
                await self._desk.cases.ask_for_agent(customer_id, case_id)
            else:
                raise errors.NotFound(f"no {verdict[:30]!r} here")
        except errors.NotFound:
            raise
        except errors.DomainError as exc:
            return await self.case(request, exc.detail, 409 if _conflict(exc) else 422)
        saved = "accepted" if verdict == "accept-answer" else "asked"
        return RedirectResponse(f"/cases/{case_id}?saved={saved}", 303)


def _conflict(exc: errors.DomainError) -> bool:
    return isinstance(exc, errors.Conflict)


def routes(services: CasePageServices, kit: PageKit) -> list[BaseRoute]:
    pages = CasePages(services, kit)
    return [
        kit.post("/orders/{order_id}/help", pages.get_help),
        kit.get("/cases", pages.my_cases),
        kit.get("/cases/{case_id}", pages.case),
        kit.get("/cases/{case_id}/thread", pages.thread),
        kit.post("/cases/{case_id}/messages", pages.write),
        kit.post("/cases/{case_id}/{verdict}", pages.verdict),
    ]
