"""What the desk needs from the outside world: its repository, and a returns service (which
fulfilment will provide; until it does, "start a return" is unavailable)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flashsale.desk.domain.calendar import Calendar
from flashsale.desk.domain.case import Case, CaseMessage
from flashsale.desk.domain.events import CaseEvent, CaseEventPage, EventCursor
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import SlaPolicy
from flashsale.desk.domain.staffing import DeskAgent, Queue


@dataclass(frozen=True, slots=True)
class NewCase:
    case: Case
    messages: Sequence[CaseMessage] = ()
    events: Sequence[CaseEvent] = ()


@dataclass(frozen=True, slots=True)
class CaseChange:
    """A case written only if it is still at ``expected_version`` (the new state carries
    ``expected_version + 1``), with its messages and events, in the same transaction.
    ``before``: the case the change was worked out on, when known; a repository may then
    write only the columns that differ from it (it is what the record holds at that version)."""

    case: Case
    expected_version: int
    messages: Sequence[CaseMessage] = ()
    events: Sequence[CaseEvent] = ()
    before: Case | None = None


@dataclass(frozen=True, slots=True)
class CursorMove:
    """A router's cursor, moved only from where it read it (compare and set)."""

    market: str
    expected: EventCursor | None
    to: EventCursor


@dataclass(frozen=True, slots=True)
class RouterBatch:
    """One market router's assignments and the move of its cursor: written only together."""

    changes: Sequence[CaseChange]
    cursor: CursorMove


class View(enum.StrEnum):
    MINE = "mine"
    QUEUE = "queue"
    BREACHING = "breaching"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class CaseQuery:
    view: View
    agent: str | None = None  # mine
    queue: str | None = None  # queue
    now: datetime | None = None  # breaching: a due time before it
    markets: frozenset[str] = field(default_factory=frozenset)  # empty: every market


class DeskRepository(Protocol):
    """The desk's record. Raises ``Conflict`` on a taken id or number, returns None when
    absent."""

    # the desk's set-up: one row each, replaced by code (market for calendars)
    async def put_desk_queue(self, queue: Queue) -> None: ...
    async def desk_queues(self) -> list[Queue]: ...
    async def put_sla_policy(self, policy: SlaPolicy) -> None: ...
    async def sla_policies(self) -> list[SlaPolicy]: ...
    async def put_desk_calendar(self, calendar: Calendar) -> None: ...
    async def desk_calendars(self) -> list[Calendar]: ...
    async def put_macro(self, macro: Macro) -> None: ...
    async def macros(self) -> list[Macro]: ...

    async def put_desk_agent(self, agent: DeskAgent, event: CaseEvent) -> None:
        """Add or replace the agent, and append its event, in one transaction."""
        ...

    async def desk_agents(self) -> list[DeskAgent]: ...

    async def add_cases(self, cases: Sequence[NewCase]) -> None:
        """Store the batch, messages and events included, in one transaction (all or none)."""
        ...

    async def change_cases(
        self, changes: Sequence[CaseChange], cursor: CursorMove | None = None
    ) -> set[str] | None:
        """Write each change whose case is still at its expected version, in one transaction;
        the ids written. With ``cursor``: None, and nothing written, unless the router's
        cursor was where it says (then it is moved in the same transaction)."""
        ...

    async def commit_routers(self, batches: Sequence[RouterBatch]) -> list[set[str] | None]:
        """Every router's batch in one transaction (one commit for all markets' routers): each
        answered as ``change_cases(batch.changes, batch.cursor)`` would answer it alone."""
        ...

    async def cases_by_id(self, case_ids: Sequence[str]) -> dict[str, Case]: ...
    async def case_by_number(self, number: str) -> Case | None: ...

    async def cases_of_customer(self, customer_id: str, limit: int) -> list[Case]:
        """Newest first."""
        ...

    async def list_cases(self, query: CaseQuery, after: str | None, limit: int) -> list[Case]:
        """The view's cases in id order (oldest first), after the case id ``after``."""
        ...

    async def messages_of_case(self, case_id: str) -> list[CaseMessage]: ...

    async def case_of_mail(self, message_ids: Sequence[str]) -> str | None:
        """The case a mail with one of these Message-IDs belongs to."""
        ...

    async def cases_due(self, now: datetime, limit: int) -> list[Case]:
        """Cases whose clock runs and whose earliest unbreached due time is at or before now."""
        ...

    async def live_cases(self, market: str) -> list[Case]:
        """The market's routed or assigned cases whose clock runs: what routing rebuilds from."""
        ...

    async def cases_opened(
        self, market: str | None, start: datetime, end: datetime
    ) -> list[Case]: ...

    async def read_case_events(
        self, after: EventCursor, limit: int, market: str | None = None
    ) -> CaseEventPage: ...

    async def events_of_case(self, case_id: str) -> list[CaseEvent]: ...

    async def router_cursor(self, market: str) -> EventCursor | None: ...


class Returns(Protocol):
    """Fulfilment's returns: start one for an order on its customer's behalf, its id back;
    ``quantity`` None asks for every unit that may still come back."""

    async def start_return(
        self, order_id: str, customer_id: str, quantity: int | None, reason: str, actor: str
    ) -> str: ...
