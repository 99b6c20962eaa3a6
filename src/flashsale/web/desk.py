"""The agent's desk: their queue (the cases assigned to them, soonest SLA due first), a case with
its order panel (the order, its payment and refunds, its parcel, its history), the thread, a
reply box with the macros, the actions of the desk's service, and pending/solved.

Behind the console's log-in: a staff member with the role agent or supervisor (403 for any
other); the admin token sees the unassigned cases, having none of its own. Everything through
the desk's services, as the API does, so a page refuses what the API refuses.

Live by htmx polling (the queue and the thread re-read every few seconds), not SSE: each is one
indexed read of a few dozen rows, and a poll needs no stream held open per agent nor a script
of its own; an agent's page is a handful of requests a minute.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog
from flashsale.desk.domain.case import Case
from flashsale.desk.service.actions import ACTIONS
from flashsale.desk.service.agent_work import CaseFile
from flashsale.desk.service.desk import Desk
from flashsale.kernel import errors
from flashsale.staff.model import Operator, StaffMember, may
from flashsale.staff.service import StaffDirectory
from flashsale.web.console_kit import ConsoleKit
from flashsale.web.desk_markets import Markets
from flashsale.web.forms import read_form, whole_number
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit

AGENTS = ("agent", "supervisor")
SUPERVISORS = ("supervisor",)
POLL_SECONDS = 5
SHOWN = 100
SAVED = {
    "replied": N_("Reply sent."),
    "noted": N_("Internal note added."),
    "status": N_("Status changed."),
    "acted": N_("Done: what it did is noted in the thread."),
    "me": N_("Your status is changed."),
    "assigned": N_("Assigned."),
    "merged": N_("Merged: this case is closed into the other."),
    "logged": N_("The call is logged as a case."),
}
# What the buttons may set; the service refuses a transition the case does not allow (409).
STATUSES = ("open", "pending", "on_hold", "solved")
ACTION_LABELS = {
    "resend-confirmation": N_("Resend the confirmation"),
    "cancel-order": N_("Cancel the order"),
    "refund": N_("Refund"),
    "approve-refund": N_("Approve the refund"),
    "start-return": N_("Start a return"),
}


class DeskPageServices(Protocol):
    catalog: Catalog
    staff: StaffDirectory

    @property
    def desk(self) -> Desk: ...


class DeskPages:
    def __init__(self, services: DeskPageServices, kit: PageKit) -> None:
        self._desk = services.desk
        self._market_cache = Markets(services.catalog)
        self._staff = services.staff
        self._console = ConsoleKit(kit, SAVED)
        self._pages = kit.pages

    async def _operator(self, request: Request) -> Operator | Response:
        return await self._console.operator(request, *AGENTS)

    async def _queue(self, operator: Operator) -> list[Case]:
        """Mine, soonest due first (a paused case, due nowhere, last); the admin token has no
        cases of its own: the unassigned ones."""
        member = operator if isinstance(operator, StaffMember) else None
        view = "mine" if member is not None else "unassigned"
        found = await self._desk.work.cases(member, view, None, SHOWN)
        return sorted(found, key=_due_key)

    async def _markets(self, codes: set[str]) -> dict[str, Market]:
        return await self._market_cache.of(codes)

    async def page(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        case_id: str | None = None,
    ) -> Response:
        operator = await self._operator(request)
        if isinstance(operator, Response):
            return operator
        chosen = case_id or request.path_params.get("case_id")
        queue = await self._queue(operator)
        member = operator if isinstance(operator, StaffMember) else None
        me = None if member is None else await self._desk.setup.agent(member.id)
        context: dict[str, Any] = {
            "section": "desk",
            "queue": queue,
            "me": me,
            "member": member,
            "chosen": chosen,
            "poll": POLL_SECONDS,
            "message": message,
            "supervisor": may(operator, SUPERVISORS),
        }
        codes = {c.market for c in queue}
        if chosen is not None:
            file = await self._desk.work.case_file(chosen)
            codes.add(file.case.market)
            context.update(await self._case_context(file))
        context["markets"] = await self._markets(codes)
        return self._console.render(request, "desk/page.html", context, status)

    async def _case_context(self, file: CaseFile) -> dict[str, Any]:
        case = file.case
        refunds = [] if file.order is None else file.order.refunds
        snapshot = await self._desk.setup.snapshot()
        agents = [a for a in await self._desk.setup.agents() if a.market == case.market]
        return {
            "messages": file.messages,
            "agents": agents,
            "names": {m.id: m.email for m in await self._staff.members()},
            "queues": sorted(q.code for q in snapshot.queues.values() if q.market == case.market),
            "file": file,
            "case": case,
            "macros": await self._desk.setup.macros(),
            "statuses": STATUSES,
            "actions": [a for a in ACTIONS if a != "approve-refund"],
            "action_labels": ACTION_LABELS,
            "awaiting": [r for r in refunds if r.status.value == "awaiting_approval"],
        }

    async def queue_fragment(self, request: Request) -> Response:
        operator = await self._operator(request)
        if isinstance(operator, Response):
            return operator
        queue = await self._queue(operator)
        return self._pages.render(
            request,
            "desk/_queue.html",
            {
                "queue": queue,
                "member": _member(operator),
                "chosen": request.query_params.get("case"),
                "markets": await self._markets({c.market for c in queue}),
                "poll": POLL_SECONDS,
            },
        )

    async def thread_fragment(self, request: Request) -> Response:
        operator = await self._operator(request)
        if isinstance(operator, Response):
            return operator
        case, messages = await self._desk.work.thread(request.path_params["case_id"])
        return self._pages.render(
            request,
            "desk/_thread.html",
            {
                "messages": messages,
                "case": case,
                "markets": await self._markets({case.market}),
                "poll": POLL_SECONDS,
            },
        )

    async def _acting(self, request: Request) -> tuple[Operator | Response, dict[str, str]]:
        operator = await self._operator(request)
        if isinstance(operator, Response):
            return operator, {}
        form = await read_form(request)
        self._console.security.check_csrf(request, form)
        return operator, form

    async def reply(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        case_id = request.path_params["case_id"]
        internal = form.get("internal") == "yes"
        macro = form.get("macro", "").strip() or None
        body = None if macro is not None else form.get("body", "")
        try:
            await self._desk.work.reply(
                _member(operator), case_id, body=body, macro=macro, internal=internal
            )
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc), case_id)
        return _saved(case_id, "noted" if internal else "replied")

    async def set_status(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        case_id = request.path_params["case_id"]
        try:
            until = await self._pending_until(case_id, form.get("pending_until", ""))
            await self._desk.work.set_status(
                _member(operator), case_id, form.get("status", ""), until
            )
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc), case_id)
        return _saved(case_id, "status")

    async def _pending_until(self, case_id: str, typed: str) -> datetime | None:
        """``2015-04-08T18:00`` from the page's picker, meant in the case's market's time."""
        if not typed.strip():
            return None
        try:
            naive = datetime.fromisoformat(typed.strip())
        except ValueError:
            raise errors.InvalidInput(f"pending until: {typed[:30]!r} is not a time") from None
        if naive.tzinfo is not None:
            return naive
        case, _ = await self._desk.work.thread(case_id)
        zone = (await self._market_cache.one(case.market)).timezone
        return naive.replace(tzinfo=ZoneInfo(zone))

    async def act(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        case_id, action = request.path_params["case_id"], request.path_params["action"]
        fields: dict[str, object] = {
            k: form[k].strip() for k in ("amount", "reason", "refund_id") if form.get(k, "").strip()
        }
        try:
            if form.get("quantity", "").strip():  # start-return; none: every unit
                fields["quantity"] = whole_number(form["quantity"], "quantity")
            await self._desk.actions.run(_member(operator), case_id, action, fields)
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc), case_id)
        # What it did (a refund above the limit waits, …) is the system note in the thread.
        return _saved(case_id, "acted")

    async def assign(self, request: Request) -> Response:
        """To an agent (beyond capacity: flagged; offline: 409) or back to a queue's line."""
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        case_id = request.path_params["case_id"]
        target = form.get("to", "")
        kind, _, code = target.partition(":")
        try:
            if kind == "agent":
                await self._desk.work.assign(_member(operator), case_id, agent=code)
            elif kind == "queue":
                await self._desk.work.assign(_member(operator), case_id, queue=code)
            else:
                raise errors.InvalidInput("assign to an agent or a queue")
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc), case_id)
        return _saved(case_id, "assigned")

    async def merge(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        case_id = request.path_params["case_id"]
        try:
            await self._desk.work.merge(_member(operator), case_id, form.get("into", ""))
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc), case_id)
        return _saved(case_id, "merged")

    async def log_call(self, request: Request) -> Response:
        """A phone call logged as the customer's case, assigned to the agent who took it."""
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        try:
            case = await self._desk.log_contact(
                _member(operator),
                form.get("customer", ""),
                form.get("topic", "other"),
                form.get("message", ""),
                order_id=form.get("order_id", "").strip() or None,
                channel="phone",
            )
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc))
        return _saved(case.id, "logged")

    async def my_status(self, request: Request) -> Response:
        operator, form = await self._acting(request)
        if isinstance(operator, Response):
            return operator
        if not isinstance(operator, StaffMember):
            raise errors.Forbidden("only a staff member has a status at the desk")
        try:
            await self._desk.setup.set_status(operator.id, form.get("status", ""))
        except errors.DomainError as exc:
            return await self.page(request, exc.detail, _status(exc))
        return RedirectResponse("/desk?saved=me", 303)


def _member(operator: Operator) -> StaffMember | None:
    return operator if isinstance(operator, StaffMember) else None


def _due_key(case: Case) -> tuple[int, datetime, str]:
    due = case.next_due
    return (0, due, case.id) if due is not None else (1, case.created_at, case.id)


def _status(exc: errors.DomainError) -> int:
    if isinstance(exc, errors.NotFound):
        return 404
    if isinstance(exc, errors.Forbidden):
        return 403
    return 409 if isinstance(exc, errors.Conflict) else 422


def _saved(case_id: str, what: str) -> Response:
    return RedirectResponse(f"/desk/cases/{case_id}?saved={what}", 303)


def routes(services: DeskPageServices, kit: PageKit) -> list[BaseRoute]:
    pages = DeskPages(services, kit)
    return [
        kit.get("/desk", pages.page),
        kit.get("/desk/queue", pages.queue_fragment),
        kit.post("/desk/me/status", pages.my_status),
        kit.get("/desk/cases/{case_id}", pages.page),
        kit.get("/desk/cases/{case_id}/thread", pages.thread_fragment),
        kit.post("/desk/cases/{case_id}/replies", pages.reply),
        kit.post("/desk/cases/{case_id}/status", pages.set_status),
        kit.post("/desk/cases/{case_id}/actions/{action}", pages.act),
        kit.post("/desk/cases/{case_id}/assign", pages.assign),
        kit.post("/desk/cases/{case_id}/merge", pages.merge),
        kit.post("/desk/calls", pages.log_call),
    ]
