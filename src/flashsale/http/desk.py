"""The service desk over JSON.

Customers (their session token):
    POST /api/v1/cases                      {order_id?, topic, message} -> 201, suggested_answer?
    GET  /api/v1/cases, /api/v1/cases/{id}
    POST /api/v1/cases/{id}/messages        {message}
    POST /api/v1/cases/{id}/accept-answer | /ask-for-agent
Agents (a staff token, role agent or supervisor):
    GET  /api/v1/desk/cases?view=mine|queue:{code}|breaching|unassigned&cursor=
    GET  /api/v1/desk/cases/{id}            with the order, payment, fulfilment and history
    POST /api/v1/desk/cases                 a call (or a mail) logged as a case
    POST /api/v1/desk/cases/{id}/replies | /status | /assign | /merge | /actions/{action}
    PUT  /api/v1/desk/me/status
Supervisors and admins: /api/v1/admin/desk/queues|sla-policies|calendars|macros|agents|stats.
The mail gateway: POST /api/v1/desk/inbound/email, signed as Standard Webhooks.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.desk.service.desk import Desk
from flashsale.http.callers import Callers, CallerServices, operator_of
from flashsale.http.endpoints import V1, Endpoint, Header
from flashsale.http.requests import read_json, receive_body
from flashsale.http.responses import json_response
from flashsale.http.schemas.desk import (
    ActionIn,
    ActionOut,
    AgentIn,
    AgentListOut,
    AgentOut,
    AgentStatusIn,
    AssignIn,
    CalendarIn,
    CalendarListOut,
    CalendarOut,
    CaseFileOut,
    CaseIn,
    CaseListOut,
    CaseOut,
    CaseThreadOut,
    DeskCasesQuery,
    InboundOut,
    LoggedCaseIn,
    MacroIn,
    MacroListOut,
    MacroOut,
    MergeIn,
    MessageIn,
    MessageOut,
    QueueIn,
    QueueListOut,
    QueueOut,
    ReplyIn,
    SlaPolicyIn,
    SlaPolicyListOut,
    SlaPolicyOut,
    StatsOut,
    StatsQuery,
    StatusIn,
)
from flashsale.kernel.errors import Forbidden, InvalidInput
from flashsale.staff.model import StaffMember

AGENTS = ("agent", "supervisor")
SUPERVISORS = ("supervisor",)
CASES = f"{V1}/cases"
ONE = f"{CASES}/{{case_id}}"
DESK = f"{V1}/desk/cases"
DESK_ONE = f"{DESK}/{{case_id}}"
ADMIN = f"{V1}/admin/desk"
SIGNATURE = (
    Header("webhook-id", "Standard Webhooks: the message id.", required=True),
    Header("webhook-timestamp", "Standard Webhooks: seconds since the epoch.", required=True),
    Header("webhook-signature", "Standard Webhooks: v1,<base64 HMAC-SHA256>.", required=True),
)


class DeskServices(CallerServices, Protocol):
    @property
    def desk(self) -> Desk: ...


def _member(request: Request) -> StaffMember | None:
    operator = operator_of(request)
    return operator if isinstance(operator, StaffMember) else None


class DeskApi:
    def __init__(self, services: DeskServices) -> None:
        self._desk = services.desk
        self._callers = Callers(services)

    # -- customers ---------------------------------------------------------------------------

    async def open_case(self, request: Request) -> Response:
        customer = self._callers.customer(request)
        body = await read_json(request, CaseIn)
        case = await self._desk.cases.open_for_customer(
            customer, body.topic, body.message, body.order_id
        )
        return json_response(CaseOut.of(case), 201)

    async def my_cases(self, request: Request) -> Response:
        found = await self._desk.cases.of_customer(self._callers.customer(request))
        return json_response(CaseListOut(cases=[CaseOut.of(c) for c in found]))

    async def my_case(self, request: Request) -> Response:
        thread = await self._desk.cases.customer_case(
            self._callers.customer(request), request.path_params["case_id"]
        )
        return json_response(
            CaseThreadOut(
                case=CaseOut.of(thread.case), messages=[MessageOut.of(m) for m in thread.messages]
            )
        )

    async def write_to_case(self, request: Request) -> Response:
        customer = self._callers.customer(request)
        body = await read_json(request, MessageIn)
        case = await self._desk.cases.customer_writes(
            customer, request.path_params["case_id"], body.message
        )
        return json_response(CaseOut.of(case), 201)

    async def accept_answer(self, request: Request) -> Response:
        case = await self._desk.cases.accept_answer(
            self._callers.customer(request), request.path_params["case_id"]
        )
        return json_response(CaseOut.of(case))

    async def ask_for_agent(self, request: Request) -> Response:
        case = await self._desk.cases.ask_for_agent(
            self._callers.customer(request), request.path_params["case_id"]
        )
        return json_response(CaseOut.of(case))

    # -- agents ------------------------------------------------------------------------------

    async def desk_cases(self, request: Request) -> Response:
        query = DeskCasesQuery.of(request.query_params)
        found = await self._desk.work.cases(_member(request), query.view, query.cursor, query.limit)
        full = len(found) == query.limit
        return json_response(
            CaseListOut(
                cases=[CaseOut.of(c) for c in found], next_cursor=found[-1].id if full else None
            )
        )

    async def desk_case(self, request: Request) -> Response:
        found = await self._desk.work.case_file(request.path_params["case_id"])
        return json_response(CaseFileOut.of(found))

    async def log_case(self, request: Request) -> Response:
        body = await read_json(request, LoggedCaseIn)
        case = await self._desk.log_contact(
            _member(request),
            body.customer,
            body.topic,
            body.message,
            order_id=body.order_id,
            channel=body.channel,
        )
        return json_response(CaseOut.of(case), 201)

    async def reply(self, request: Request) -> Response:
        body = await read_json(request, ReplyIn)
        case = await self._desk.work.reply(
            _member(request),
            request.path_params["case_id"],
            body=body.body,
            macro=body.macro,
            internal=body.internal,
        )
        return json_response(CaseOut.of(case), 201)

    async def set_status(self, request: Request) -> Response:
        body = await read_json(request, StatusIn)
        case = await self._desk.work.set_status(
            _member(request), request.path_params["case_id"], body.status, body.pending_until
        )
        return json_response(CaseOut.of(case))

    async def assign(self, request: Request) -> Response:
        body = await read_json(request, AssignIn)
        case = await self._desk.work.assign(
            _member(request), request.path_params["case_id"], agent=body.agent, queue=body.queue
        )
        return json_response(CaseOut.of(case))

    async def merge(self, request: Request) -> Response:
        body = await read_json(request, MergeIn)
        case = await self._desk.work.merge(
            _member(request), request.path_params["case_id"], body.into
        )
        return json_response(CaseOut.of(case))

    async def act(self, request: Request) -> Response:
        body = await read_json(request, ActionIn, optional=True)
        fields = {k: v for k, v in body.model_dump().items() if v is not None}
        done = await self._desk.actions.run(
            _member(request), request.path_params["case_id"], request.path_params["action"], fields
        )
        return json_response(ActionOut.of(done))

    async def my_status(self, request: Request) -> Response:
        member = _member(request)
        if member is None:
            raise Forbidden("only a staff member has a status at the desk")
        body = await read_json(request, AgentStatusIn)
        return json_response(AgentOut.of(await self._desk.setup.set_status(member.id, body.status)))

    async def inbound_email(self, request: Request) -> Response:
        body = await receive_body(request.receive, request.headers.get("content-length"))
        mail = self._desk.inbound.verified(body, dict(request.headers))
        case, opened = await self._desk.inbound.receive(mail)
        return json_response(
            InboundOut(case_id=case.id, number=case.number, opened=opened), 201 if opened else 200
        )

    # -- set-up ------------------------------------------------------------------------------

    async def add_queue(self, request: Request) -> Response:
        body = await read_json(request, QueueIn)
        queue = await self._desk.setup.add_queue(
            body.code, body.market, body.language, body.topics, body.sla_policy
        )
        return json_response(QueueOut.of(queue), 201)

    async def queues(self, request: Request) -> Response:
        found = await self._desk.setup.queues()
        return json_response(QueueListOut(queues=[QueueOut.of(q) for q in found]))

    async def set_policy(self, request: Request) -> Response:
        body = await read_json(request, SlaPolicyIn)
        targets: dict[str, tuple[int, int, int]] = {
            p: (t.first_response, t.next_response, t.resolution) for p, t in body.targets.items()
        }
        policy = await self._desk.setup.set_sla_policy(
            body.code, targets, business_hours=body.business_hours
        )
        return json_response(SlaPolicyOut.of(policy), 201)

    async def policies(self, request: Request) -> Response:
        found = await self._desk.setup.sla_policies()
        return json_response(SlaPolicyListOut(sla_policies=[SlaPolicyOut.of(p) for p in found]))

    async def set_calendar(self, request: Request) -> Response:
        body = await read_json(request, CalendarIn)
        try:
            extra = [date.fromisoformat(d) for d in body.extra_holidays]
        except ValueError:
            raise InvalidInput("extra_holidays: dates such as 2015-05-01") from None
        weekly: dict[str, list[str]] = {str(day): spans for day, spans in body.weekly.items()}
        calendar = await self._desk.setup.set_calendar(
            body.market,
            weekly,
            timezone=body.timezone,
            holiday_country=body.holiday_country,
            extra_holidays=extra,
        )
        return json_response(CalendarOut.of(calendar), 201)

    async def calendars(self, request: Request) -> Response:
        found = await self._desk.setup.calendars()
        return json_response(CalendarListOut(calendars=[CalendarOut.of(c) for c in found]))

    async def add_macro(self, request: Request) -> Response:
        body = await read_json(request, MacroIn)
        macro = await self._desk.setup.add_macro(body.code, body.title, body.body, body.set_status)
        return json_response(MacroOut.of(macro), 201)

    async def macros(self, request: Request) -> Response:
        found = await self._desk.setup.macros()
        return json_response(MacroListOut(macros=[MacroOut.of(m) for m in found]))

    async def add_agent(self, request: Request) -> Response:
        body = await read_json(request, AgentIn)
        agent = await self._desk.setup.add_agent(
            body.staff,
            market=body.market,
            languages=body.languages,
            topics=body.topics,
            capacity=body.capacity,
        )
        return json_response(AgentOut.of(agent), 201)

    async def agents(self, request: Request) -> Response:
        found = await self._desk.setup.agents()
        return json_response(AgentListOut(agents=[AgentOut.of(a) for a in found]))

    async def stats(self, request: Request) -> Response:
        query = StatsQuery.of(request.query_params)
        figures = await self._desk.stats.figures(
            query.from_, query.to, grain=query.grain, market=query.market, queue=query.queue
        )
        return json_response(StatsOut.of(figures))


def endpoints(services: DeskServices) -> list[Endpoint]:
    api = DeskApi(services)
    mine: dict[str, object] = {"auth": "customer"}
    staff: dict[str, object] = {"auth": "staff", "roles": AGENTS}
    admin: dict[str, object] = {"auth": "admin", "roles": SUPERVISORS}
    return [
        Endpoint("POST", CASES, api.open_case, "Ask the service desk (answered from the record"
                 " where it can)", "desk", 201, body=CaseIn, response=CaseOut,
                 problems=(404, 409, 422), **mine),  # type: ignore[arg-type]
        Endpoint("GET", CASES, api.my_cases, "My cases, newest first", "desk",
                 response=CaseListOut, **mine),  # type: ignore[arg-type]
        Endpoint("GET", ONE, api.my_case, "One of my cases with its messages", "desk",
                 response=CaseThreadOut, problems=(404,), **mine),  # type: ignore[arg-type]
        Endpoint("POST", f"{ONE}/messages", api.write_to_case, "Write to my case", "desk", 201,
                 body=MessageIn, response=CaseOut, problems=(404, 409, 422),
                 **mine),  # type: ignore[arg-type]
        Endpoint("POST", f"{ONE}/accept-answer", api.accept_answer,
                 "The record's answer helped: the case is solved", "desk", response=CaseOut,
                 problems=(404, 409), **mine),  # type: ignore[arg-type]
        Endpoint("POST", f"{ONE}/ask-for-agent", api.ask_for_agent,
                 "The record's answer did not help: route the case to a person", "desk",
                 response=CaseOut, problems=(404, 409), **mine),  # type: ignore[arg-type]
        Endpoint("GET", DESK, api.desk_cases, "Cases in a view: mine, queue:{code}, breaching,"
                 " unassigned", "desk", response=CaseListOut, query=DeskCasesQuery,
                 problems=(422,), **staff),  # type: ignore[arg-type]
        Endpoint("GET", DESK_ONE, api.desk_case, "A case with its order, payment, refunds and"
                 " history", "desk", response=CaseFileOut, problems=(404,),
                 **staff),  # type: ignore[arg-type]
        Endpoint("POST", DESK, api.log_case, "Log a call as a case", "desk", 201,
                 body=LoggedCaseIn, response=CaseOut, problems=(404, 409, 422),
                 **staff),  # type: ignore[arg-type]
        Endpoint("POST", f"{DESK_ONE}/replies", api.reply, "Reply (mailed) or note (internal),"
                 " typed or from a macro", "desk", 201, body=ReplyIn, response=CaseOut,
                 problems=(404, 409, 422), **staff),  # type: ignore[arg-type]
        Endpoint("POST", f"{DESK_ONE}/status", api.set_status, "Move a case (409 naming its"
                 " status where it cannot go)", "desk", body=StatusIn, response=CaseOut,
                 problems=(404, 409, 422), **staff),  # type: ignore[arg-type]
        Endpoint("POST", f"{DESK_ONE}/assign", api.assign, "Assign to an agent (beyond capacity:"
                 " flagged; offline: 409) or to a queue", "desk", body=AssignIn,
                 response=CaseOut, problems=(404, 409, 422), **staff),  # type: ignore[arg-type]
        Endpoint("POST", f"{DESK_ONE}/merge", api.merge, "Merge a duplicate into another case",
                 "desk", body=MergeIn, response=CaseOut, problems=(404, 409, 422),
                 **staff),  # type: ignore[arg-type]
        Endpoint("POST", f"{DESK_ONE}/actions/{{action}}", api.act, "Act on the case's order:"
                 " resend-confirmation, cancel-order, refund, approve-refund, start-return",
                 "desk", body=ActionIn, body_optional=True, response=ActionOut,
                 problems=(402, 403, 404, 409, 422, 503), **staff),  # type: ignore[arg-type]
        Endpoint("PUT", f"{V1}/desk/me/status", api.my_status, "Available, away or offline",
                 "desk", body=AgentStatusIn, response=AgentOut, problems=(409, 422),
                 **staff),  # type: ignore[arg-type]
        Endpoint("POST", f"{V1}/desk/inbound/email", api.inbound_email, "A customer's mail, from"
                 " the mail gateway (Standard Webhooks signature)", "desk", 201,
                 response=InboundOut, also=(200,), headers=SIGNATURE,
                 problems=(401, 404, 409, 422)),
        Endpoint("POST", f"{ADMIN}/queues", api.add_queue, "Add or replace a queue", "desk", 201,
                 body=QueueIn, response=QueueOut, problems=(404, 422),
                 **admin),  # type: ignore[arg-type]
        Endpoint("GET", f"{ADMIN}/queues", api.queues, "The desk's queues", "desk",
                 response=QueueListOut, **admin),  # type: ignore[arg-type]
        Endpoint("POST", f"{ADMIN}/sla-policies", api.set_policy, "Add or replace an SLA policy",
                 "desk", 201, body=SlaPolicyIn, response=SlaPolicyOut, problems=(422,),
                 **admin),  # type: ignore[arg-type]
        Endpoint("GET", f"{ADMIN}/sla-policies", api.policies, "The SLA policies", "desk",
                 response=SlaPolicyListOut, **admin),  # type: ignore[arg-type]
        Endpoint("POST", f"{ADMIN}/calendars", api.set_calendar, "A market's business calendar",
                 "desk", 201, body=CalendarIn, response=CalendarOut, problems=(404, 422),
                 **admin),  # type: ignore[arg-type]
        Endpoint("GET", f"{ADMIN}/calendars", api.calendars, "The business calendars", "desk",
                 response=CalendarListOut, **admin),  # type: ignore[arg-type]
        Endpoint("POST", f"{ADMIN}/macros", api.add_macro, "Add or replace a macro (422 naming"
                 " an unknown variable)", "desk", 201, body=MacroIn, response=MacroOut,
                 problems=(422,), **admin),  # type: ignore[arg-type]
        Endpoint("GET", f"{ADMIN}/macros", api.macros, "The macros", "desk",
                 response=MacroListOut, **admin),  # type: ignore[arg-type]
        Endpoint("POST", f"{ADMIN}/agents", api.add_agent, "A staff member joins the desk",
                 "desk", 201, body=AgentIn, response=AgentOut, problems=(404, 422),
                 **admin),  # type: ignore[arg-type]
        Endpoint("GET", f"{ADMIN}/agents", api.agents, "The desk's agents", "desk",
                 response=AgentListOut, **admin),  # type: ignore[arg-type]
        Endpoint("GET", f"{ADMIN}/stats", api.stats, "Opened, deflected, routed, solved,"
                 " backlog, first response, breaches, agents", "desk", response=StatsOut,
                 query=StatsQuery, problems=(422,), **admin),  # type: ignore[arg-type]
    ]  # fmt: skip
