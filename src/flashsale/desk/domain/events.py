"""The desk's own event feed: one row per change of a case (``case.*``) or of an agent
(``agent.*``), appended in the change's transaction, read by cursor as the order feed is
(orders/domain/events.py: ``(xid, seq)`` on PostgreSQL, below the snapshot's xmin).

Every case event carries the case's routing facts after the change (``route``), so the router
can rebuild or catch up from any point by applying events in order: the last one of a case
says where it stands, whatever came before.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flashsale.desk.domain.case import Case
from flashsale.orders.domain.events import EventCursor

__all__ = ["CaseEvent", "CaseEventKind", "CaseEventPage", "EventCursor", "route_of"]


class CaseEventKind(enum.StrEnum):
    OPENED = "case.opened"
    ANSWERED = "case.answered"  # the record's answer, offered to the customer
    DEFLECTED = "case.deflected"  # the customer accepted it
    ROUTED = "case.routed"  # handed to routing: joins its queue's line
    ASSIGNED = "case.assigned"
    STATUS = "case.status"
    MESSAGE = "case.message"
    ACTION = "case.action"  # an agent's action on the order: data.action, data.order_id
    BREACHED = "case.sla_breached"
    MERGED = "case.merged"
    AGENT = "agent.changed"  # an agent joined, changed, came or went (data.agent)


@dataclass(frozen=True, slots=True)
class CaseEvent:
    kind: CaseEventKind
    at: datetime
    actor: str
    market: str
    case_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    cursor: EventCursor = field(default=EventCursor())  # immutable: one shared start

    @property
    def id(self) -> str:
        return f"cev_{self.cursor.seq:012d}"


@dataclass(frozen=True, slots=True)
class CaseEventPage:
    events: list[CaseEvent]
    next_cursor: EventCursor


def route_of(case: Case) -> dict[str, Any]:
    """The routing facts of a case, as every case event carries them."""
    due = case.sla.first_response_due
    return {
        "queue": case.queue,
        "topic": case.topic.value,
        "rank": case.priority.rank,
        "due": None if due is None else due.isoformat(),
        "status": case.status.value,
        "assignee": case.assignee,
        "routed": case.routed_at is not None,
    }


def event_of(case: Case, kind: CaseEventKind, actor: str, at: datetime, **data: Any) -> CaseEvent:
    return CaseEvent(kind, at, actor, case.market, case.id, {**data, "route": route_of(case)})
