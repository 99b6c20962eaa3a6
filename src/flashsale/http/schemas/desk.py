"""Bodies of the service desk's endpoints: customers' cases, agents' work, the desk's set-up
and figures. Messages travel and are stored as text; pages render them escaped."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from flashsale.desk.domain.calendar import Calendar
from flashsale.desk.domain.case import MAX_MESSAGE, Case, CaseMessage
from flashsale.desk.domain.events import CaseEvent
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import SlaPolicy
from flashsale.desk.domain.staffing import DeskAgent, Queue
from flashsale.desk.service.actions import ActionDone
from flashsale.desk.service.agent_work import CaseFile
from flashsale.desk.service.stats import DeskStats
from flashsale.http.edge import Line, Text
from flashsale.http.schemas.base import RequestBody, RequestQuery, ResponseBody, UtcDatetime

TopicName = Literal["payment", "delivery", "return", "product", "other"]
_MESSAGE = f"1 to {MAX_MESSAGE:,} characters, stored as text and shown escaped."


class CaseIn(RequestBody):
    order_id: Line | None = Field(default=None, max_length=64)
    topic: TopicName
    message: Text = Field(min_length=1, max_length=MAX_MESSAGE, description=_MESSAGE)


class MessageIn(RequestBody):
    message: Text = Field(min_length=1, max_length=MAX_MESSAGE, description=_MESSAGE)


class SuggestedAnswerOut(ResponseBody):
    code: str
    text: str
    link: str | None


class CaseOut(ResponseBody):
    id: str
    number: str
    status: str
    topic: str
    channel: str
    order_id: str | None
    queue: str
    priority: str
    assignee: str | None
    over_capacity: bool
    created_at: datetime
    suggested_answer: SuggestedAnswerOut | None = Field(
        description="The record's own answer, while it awaits the customer's verdict"
        " (accept-answer or ask-for-agent)."
    )
    awaiting_verdict: bool
    deflected: bool
    first_response_due: datetime | None
    resolution_due: datetime | None
    breaches: list[str]
    duplicate_of: str | None
    merged_into: str | None

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        s = case.suggested
        return cls(
            id=case.id,
            number=case.number,
            status=case.status.value,
            topic=case.topic.value,
            channel=case.channel.value,
            order_id=case.order_id,
            queue=case.queue,
            priority=case.priority.value,
            assignee=case.assignee,
            over_capacity=case.over_capacity,
            created_at=case.created_at,
            suggested_answer=(
                None
                if s is None or not case.awaiting_verdict
                else SuggestedAnswerOut(code=s.code, text=s.text, link=s.link)
            ),
            awaiting_verdict=case.awaiting_verdict,
            deflected=case.deflected,
            first_response_due=case.sla.first_response_due,
            resolution_due=case.sla.resolution_due,
            breaches=list(case.sla.breaches),
            duplicate_of=case.duplicate_of,
            merged_into=case.merged_into,
        )


class CaseListOut(ResponseBody):
    cases: list[CaseOut]
    next_cursor: str | None = None


class MessageOut(ResponseBody):
    id: str
    author: str
    body: str
    internal: bool
    at: datetime

    @classmethod
    def of(cls, message: CaseMessage) -> MessageOut:
        return cls(
            id=message.id,
            author=message.author.value,
            body=message.body,
            internal=message.internal,
            at=message.at,
        )


class CaseThreadOut(ResponseBody):
    case: CaseOut
    messages: list[MessageOut]


class CaseEventOut(ResponseBody):
    kind: str
    at: datetime
    actor: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: CaseEvent) -> CaseEventOut:
        data = {k: v for k, v in event.data.items() if k != "route"}
        return cls(kind=event.kind.value, at=event.at, actor=event.actor, data=data)


class OrderPanelOut(ResponseBody):
    id: str
    status: str
    sku: str
    quantity: int
    amount: str
    expires_at: datetime
    paid_at: datetime | None
    payment_reference: str | None
    refunds: list[dict[str, str]]
    shipment: dict[str, str] | None
    return_status: str | None
    history: list[dict[str, Any]]


class CaseFileOut(ResponseBody):
    case: CaseOut
    contact: str
    customer_id: str | None
    messages: list[MessageOut]
    events: list[CaseEventOut]
    order: OrderPanelOut | None

    @classmethod
    def of(cls, found: CaseFile) -> CaseFileOut:
        record = found.order
        order = None
        if record is not None:
            view = record.view
            order = OrderPanelOut(
                id=view.id,
                status=view.status,
                sku=view.sku,
                quantity=view.quantity,
                amount=view.amount,
                expires_at=view.expires_at,
                paid_at=view.paid_at,
                payment_reference=(
                    None if record.payment is None else record.payment.gateway_reference
                ),
                refunds=[
                    {
                        "id": r.id,
                        "amount": str(r.amount.amount),
                        "currency": r.amount.currency,
                        "status": r.status.value,
                    }
                    for r in record.refunds
                ],
                shipment=(
                    None
                    if view.shipment is None
                    else {
                        "carrier": view.shipment.carrier,
                        "tracking_number": view.shipment.tracking_number,
                    }
                ),
                return_status=view.return_status,
                history=[
                    {"kind": e.kind.value, "at": e.at.isoformat(), "actor": e.actor}
                    for e in record.history
                ],
            )
        return cls(
            case=CaseOut.of(found.case),
            contact=found.case.contact,
            customer_id=found.case.customer_id,
            messages=[MessageOut.of(m) for m in found.messages],
            events=[CaseEventOut.of(e) for e in found.events],
            order=order,
        )


class DeskCasesQuery(RequestQuery):
    view: str = Field(
        default="mine",
        max_length=60,
        description="mine, queue:{code}, breaching or unassigned",
    )
    cursor: str | None = Field(default=None, max_length=64, description="next_cursor of a page")
    limit: int = Field(default=50, ge=1, le=200)


class LoggedCaseIn(RequestBody):
    customer: Line = Field(max_length=254, description="The customer's id or e-mail address.")
    order_id: Line | None = Field(default=None, max_length=64)
    topic: TopicName
    message: Text = Field(min_length=1, max_length=MAX_MESSAGE, description=_MESSAGE)
    channel: Literal["phone", "email", "web"] = "phone"


class ReplyIn(RequestBody):
    body: Text | None = Field(default=None, max_length=MAX_MESSAGE, description=_MESSAGE)
    macro: Line | None = Field(default=None, max_length=40, description="A macro's code.")
    internal: bool = Field(default=False, description="An internal note: never mailed.")


class StatusIn(RequestBody):
    status: Literal["new", "open", "pending", "on_hold", "solved", "closed"]
    pending_until: UtcDatetime | None = None


class AssignIn(RequestBody):
    agent: Line | None = Field(default=None, max_length=64, description="A staff id.")
    queue: Line | None = Field(default=None, max_length=40)


class MergeIn(RequestBody):
    into: Line = Field(max_length=64, description="The case the duplicate is merged into.")


class ActionIn(RequestBody):
    amount: str | None = Field(default=None, max_length=20, description="refund: the amount")
    reason: Text | None = Field(default=None, max_length=500)
    refund_id: Line | None = Field(default=None, max_length=64, description="approve-refund")
    quantity: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="start-return: the units (default: every unit that may still come back)",
    )


class ActionOut(ResponseBody):
    case: CaseOut
    detail: str
    refund_id: str | None = None
    refund_status: str | None = None
    order_status: str | None = None

    @classmethod
    def of(cls, done: ActionDone) -> ActionOut:
        return cls(
            case=CaseOut.of(done.case),
            detail=done.detail,
            refund_id=None if done.refund is None else done.refund.id,
            refund_status=None if done.refund is None else done.refund.status.value,
            order_status=None if done.order is None else done.order.status.value,
        )


class AgentStatusIn(RequestBody):
    status: Literal["available", "away", "offline"]


class AgentIn(RequestBody):
    staff: Line = Field(max_length=254, description="A staff id or e-mail address.")
    market: Line = Field(max_length=2)
    languages: list[Line] = Field(default_factory=list, max_length=16)
    topics: list[TopicName] = Field(min_length=1, max_length=5)
    capacity: int = Field(ge=1, le=200)


class AgentOut(ResponseBody):
    staff_id: str
    market: str
    languages: list[str]
    topics: list[str]
    capacity: int
    status: str
    status_since: datetime

    @classmethod
    def of(cls, agent: DeskAgent) -> AgentOut:
        return cls(
            staff_id=agent.staff_id,
            market=agent.market,
            languages=sorted(agent.languages),
            topics=sorted(t.value for t in agent.topics),
            capacity=agent.capacity,
            status=agent.status.value,
            status_since=agent.status_since,
        )


class AgentListOut(ResponseBody):
    agents: list[AgentOut]


class QueueIn(RequestBody):
    code: Line = Field(max_length=40)
    market: Line = Field(max_length=2)
    language: Line = Field(max_length=35)
    topics: list[TopicName] = Field(min_length=1, max_length=5)
    sla_policy: Line = Field(max_length=40)


class QueueOut(ResponseBody):
    code: str
    market: str
    language: str
    topics: list[str]
    sla_policy: str

    @classmethod
    def of(cls, queue: Queue) -> QueueOut:
        return cls(
            code=queue.code,
            market=queue.market,
            language=queue.language,
            topics=sorted(t.value for t in queue.topics),
            sla_policy=queue.sla_policy,
        )


class QueueListOut(ResponseBody):
    queues: list[QueueOut]


class TargetsIn(RequestBody):
    first_response: int = Field(ge=1, le=129_600, description="minutes")
    next_response: int = Field(ge=1, le=129_600, description="minutes")
    resolution: int = Field(ge=1, le=129_600, description="minutes")


class SlaPolicyIn(RequestBody):
    code: Line = Field(max_length=40)
    business_hours: bool = True
    targets: dict[Literal["*", "urgent", "high", "normal", "low"], TargetsIn] = Field(
        min_length=1, description='Per priority; "*" for every priority not named.'
    )


class SlaPolicyOut(ResponseBody):
    code: str
    business_hours: bool
    targets: dict[str, dict[str, int]]

    @classmethod
    def of(cls, policy: SlaPolicy) -> SlaPolicyOut:
        return cls(
            code=policy.code,
            business_hours=policy.business_hours,
            targets={
                p.value: {
                    "first_response": t.first_response,
                    "next_response": t.next_response,
                    "resolution": t.resolution,
                }
                for p, t in policy.targets.items()
            },
        )


class SlaPolicyListOut(ResponseBody):
    sla_policies: list[SlaPolicyOut]


class CalendarIn(RequestBody):
    market: Line = Field(max_length=2)
    timezone: Line | None = Field(default=None, max_length=64)
    weekly: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Line]] = Field(
        description='Working spans per weekday, e.g. {"mon": ["09:00-18:00"]}.'
    )
    holiday_country: Line | None = Field(
        default=None, max_length=8, description="The holidays package's country; the market's."
    )
    extra_holidays: list[Line] = Field(default_factory=list, max_length=400)


class CalendarOut(ResponseBody):
    market: str
    timezone: str
    weekly: dict[str, list[str]]
    holiday_country: str | None
    extra_holidays: list[str]

    @classmethod
    def of(cls, calendar: Calendar) -> CalendarOut:
        return cls(
            market=calendar.market,
            timezone=calendar.timezone,
            weekly=calendar.weekly_text(),
            holiday_country=calendar.holiday_country,
            extra_holidays=sorted(d.isoformat() for d in calendar.extra_holidays),
        )


class CalendarListOut(ResponseBody):
    calendars: list[CalendarOut]


class MacroIn(RequestBody):
    code: Line = Field(max_length=40)
    title: Line = Field(max_length=200)
    body: Text = Field(min_length=1, max_length=MAX_MESSAGE)
    set_status: Literal["open", "pending", "on_hold", "solved"] | None = None


class MacroOut(ResponseBody):
    code: str
    title: str
    body: str
    set_status: str | None

    @classmethod
    def of(cls, macro: Macro) -> MacroOut:
        return cls(
            code=macro.code,
            title=macro.title,
            body=macro.body,
            set_status=None if macro.set_status is None else macro.set_status.value,
        )


class MacroListOut(ResponseBody):
    macros: list[MacroOut]


class StatsQuery(RequestQuery):
    from_: UtcDatetime = Field(alias="from")
    to: UtcDatetime
    grain: Literal["hour", "day"] = "hour"
    queue: str | None = Field(default=None, max_length=40)
    market: str | None = Field(default=None, max_length=2)


class BucketOut(ResponseBody):
    start: datetime
    opened: int
    deflected: int
    routed: int
    solved: int
    backlog: int
    first_response_p50_seconds: float | None
    first_response_p90_seconds: float | None
    breaches: int


class StatsOut(ResponseBody):
    start: datetime
    end: datetime
    grain: str
    opened: int
    deflected: int
    deflection_rate: float
    routed: int
    solved: int
    breaches: int
    agents_online: int
    agents_at_capacity: int
    buckets: list[BucketOut]

    @classmethod
    def of(cls, stats: DeskStats) -> StatsOut:
        return cls(
            start=stats.start,
            end=stats.end,
            grain=stats.grain,
            opened=stats.opened,
            deflected=stats.deflected,
            deflection_rate=round(stats.deflection_rate, 4),
            routed=stats.routed,
            solved=stats.solved,
            breaches=stats.breaches,
            agents_online=stats.agents_online,
            agents_at_capacity=stats.agents_at_capacity,
            buckets=[
                BucketOut(
                    start=b.start,
                    opened=b.opened,
                    deflected=b.deflected,
                    routed=b.routed,
                    solved=b.solved,
                    backlog=b.backlog,
                    first_response_p50_seconds=b.first_response_p50,
                    first_response_p90_seconds=b.first_response_p90,
                    breaches=b.breaches,
                )
                for b in stats.buckets
            ],
        )


class InboundOut(ResponseBody):
    case_id: str
    number: str
    opened: bool
