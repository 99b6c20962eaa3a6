"""The desk's rows and back: one place that knows how each value is spelled in SQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import RowMapping

from flashsale.desk.domain.calendar import Calendar
from flashsale.desk.domain.case import (
    Author,
    Case,
    CaseMessage,
    CaseStatus,
    Channel,
    SuggestedAnswer,
    Topic,
)
from flashsale.desk.domain.events import CaseEvent, CaseEventKind, EventCursor
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import Priority, SlaPolicy, SlaStamps, Targets
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent, Queue


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def sqlite_moment(text: str) -> datetime:
    """A ``UtcDateTime`` as SQLite keeps it (UTC wall time as text), read without SQLAlchemy."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def queue_row(queue: Queue) -> dict[str, Any]:
    return {
        "code": queue.code,
        "market": queue.market,
        "language": queue.language,
        "topics": " ".join(sorted(t.value for t in queue.topics)),
        "sla_policy": queue.sla_policy,
    }


def queue_of(row: RowMapping) -> Queue:
    topics = frozenset(Topic(t) for t in row["topics"].split())
    return Queue(row["code"], row["market"], row["language"], topics, row["sla_policy"])


def policy_row(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "code": policy.code,
        "business_hours": policy.business_hours,
        "targets": {
            p.value: [t.first_response, t.next_response, t.resolution]
            for p, t in policy.targets.items()
        },
    }


def policy_of(row: RowMapping) -> SlaPolicy:
    targets = {Priority(p): Targets(*values) for p, values in row["targets"].items()}
    return SlaPolicy(row["code"], targets, bool(row["business_hours"]))


def calendar_row(calendar: Calendar) -> dict[str, Any]:
    return {
        "market": calendar.market,
        "timezone": calendar.timezone,
        "weekly": calendar.weekly_text(),
        "holiday_country": calendar.holiday_country,
        "extra_holidays": sorted(d.isoformat() for d in calendar.extra_holidays),
    }


def calendar_of(row: RowMapping) -> Calendar:
    return Calendar.of(
        row["market"],
        row["timezone"],
        row["weekly"],
        row["holiday_country"],
        (date.fromisoformat(d) for d in row["extra_holidays"]),
    )


def macro_row(macro: Macro) -> dict[str, Any]:
    status = None if macro.set_status is None else macro.set_status.value
    return {"code": macro.code, "title": macro.title, "body": macro.body, "set_status": status}


def macro_of(row: RowMapping) -> Macro:
    status = None if row["set_status"] is None else CaseStatus(row["set_status"])
    return Macro(row["code"], row["title"], row["body"], status)


def agent_row(agent: DeskAgent) -> dict[str, Any]:
    return {
        "staff_id": agent.staff_id,
        "market": agent.market,
        "languages": " ".join(sorted(agent.languages)),
        "topics": " ".join(sorted(t.value for t in agent.topics)),
        "capacity": agent.capacity,
        "status": agent.status.value,
        "status_since": agent.status_since,
    }


def agent_of(row: RowMapping) -> DeskAgent:
    return DeskAgent(
        row["staff_id"],
        row["market"],
        frozenset(row["languages"].split()),
        frozenset(Topic(t) for t in row["topics"].split()),
        row["capacity"],
        AgentStatus(row["status"]),
        row["status_since"],
    )


def _stamps_json(stamps: SlaStamps) -> dict[str, Any]:
    return {
        "first_response_due": _iso(stamps.first_response_due),
        "next_response_due": _iso(stamps.next_response_due),
        "resolution_due": _iso(stamps.resolution_due),
        "first_responded_at": _iso(stamps.first_responded_at),
        "paused_since": _iso(stamps.paused_since),
        "paused_seconds": stamps.paused_seconds,
        "breaches": list(stamps.breaches),
    }


def _stamps_of(data: Mapping[str, Any]) -> SlaStamps:
    return SlaStamps(
        _moment(data["first_response_due"]),
        _moment(data["next_response_due"]),
        _moment(data["resolution_due"]),
        _moment(data["first_responded_at"]),
        _moment(data["paused_since"]),
        float(data["paused_seconds"]),
        tuple(data["breaches"]),
    )


def case_row(case: Case) -> dict[str, Any]:
    suggested = case.suggested
    return {
        "id": case.id,
        "number": case.number,
        "customer_id": case.customer_id,
        "contact": case.contact,
        "order_id": case.order_id,
        "channel": case.channel.value,
        "topic": case.topic.value,
        "language": case.language,
        "market": case.market,
        "queue": case.queue,
        "priority": case.priority.value,
        "status": case.status.value,
        "subject": case.subject,
        "assignee": case.assignee,
        "over_capacity": case.over_capacity,
        "sla": _stamps_json(case.sla),
        "next_due": case.next_due,
        "suggested": (
            None
            if suggested is None
            else {"code": suggested.code, "text": suggested.text, "link": suggested.link}
        ),
        "awaiting_verdict": case.awaiting_verdict,
        "deflected": case.deflected,
        "routed_at": case.routed_at,
        "pending_until": case.pending_until,
        "solved_at": case.solved_at,
        "duplicate_of": case.duplicate_of,
        "merged_into": case.merged_into,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "version": case.version,
    }


def case_of(row: RowMapping | Mapping[str, Any]) -> Case:
    suggested = row["suggested"]
    return Case(
        id=row["id"],
        number=row["number"],
        customer_id=row["customer_id"],
        contact=row["contact"],
        order_id=row["order_id"],
        channel=Channel(row["channel"]),
        topic=Topic(row["topic"]),
        language=row["language"],
        market=row["market"],
        queue=row["queue"],
        priority=Priority(row["priority"]),
        status=CaseStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        subject=row["subject"],
        assignee=row["assignee"],
        over_capacity=bool(row["over_capacity"]),
        sla=_stamps_of(row["sla"]),
        suggested=(
            None
            if suggested is None
            else SuggestedAnswer(suggested["code"], suggested["text"], suggested["link"])
        ),
        awaiting_verdict=bool(row["awaiting_verdict"]),
        deflected=bool(row["deflected"]),
        routed_at=row["routed_at"],
        pending_until=row["pending_until"],
        solved_at=row["solved_at"],
        duplicate_of=row["duplicate_of"],
        merged_into=row["merged_into"],
        version=row["version"],
    )


def message_row(message: CaseMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "case_id": message.case_id,
        "author": message.author.value,
        "author_id": message.author_id,
        "body": message.body,
        "internal": message.internal,
        "at": message.at,
        "email_message_id": message.email_message_id,
    }


def message_of(row: RowMapping) -> CaseMessage:
    return CaseMessage(
        row["id"],
        row["case_id"],
        Author(row["author"]),
        row["author_id"],
        row["body"],
        bool(row["internal"]),
        row["at"],
        row["email_message_id"],
    )


def event_row(event: CaseEvent) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "market": event.market,
        "kind": event.kind.value,
        "at": event.at,
        "actor": event.actor,
        "data": dict(event.data),
    }


def event_of(row: RowMapping) -> CaseEvent:
    return CaseEvent(
        CaseEventKind(row["kind"]),
        row["at"],
        row["actor"],
        row["market"],
        row["case_id"],
        row["data"] or {},
        EventCursor(row["xid"] or 0, row["seq"]),
    )
