"""The desk's record in a Python process: for unit tests, and the reference the SQL repository
is checked against by the contract suite."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.desk.domain.calendar import Calendar
from flashsale.desk.domain.case import DONE, LOADING, Case, CaseMessage
from flashsale.desk.domain.events import CaseEvent, CaseEventPage, EventCursor
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import SlaPolicy
from flashsale.desk.domain.staffing import DeskAgent, Queue
from flashsale.desk.ports import CaseChange, CaseQuery, CursorMove, NewCase, RouterBatch, View
from flashsale.kernel.errors import Conflict


class MemoryDeskRepository:
    def __init__(self) -> None:
        super().__init__()
        self._desk_queues: dict[str, Queue] = {}
        self._sla_policies: dict[str, SlaPolicy] = {}
        self._desk_calendars: dict[str, Calendar] = {}
        self._macros: dict[str, Macro] = {}
        self._desk_agents: dict[str, DeskAgent] = {}
        self._cases: dict[str, Case] = {}
        self._case_ids: list[str] = []  # sorted: ids are time-ordered, as the views page
        self._numbers: dict[str, str] = {}
        self._case_messages: dict[str, list[CaseMessage]] = {}
        self._mail_ids: dict[str, str] = {}
        self._case_events: list[CaseEvent] = []
        self._router_cursors: dict[str, EventCursor] = {}

    async def put_desk_queue(self, queue: Queue) -> None:
        self._desk_queues[queue.code] = queue

    async def desk_queues(self) -> list[Queue]:
        return sorted(self._desk_queues.values(), key=lambda q: q.code)

    async def put_sla_policy(self, policy: SlaPolicy) -> None:
        self._sla_policies[policy.code] = policy

    async def sla_policies(self) -> list[SlaPolicy]:
        return sorted(self._sla_policies.values(), key=lambda p: p.code)

    async def put_desk_calendar(self, calendar: Calendar) -> None:
        self._desk_calendars[calendar.market] = calendar

    async def desk_calendars(self) -> list[Calendar]:
        return sorted(self._desk_calendars.values(), key=lambda c: c.market)

    async def put_macro(self, macro: Macro) -> None:
        self._macros[macro.code] = macro

    async def macros(self) -> list[Macro]:
        return sorted(self._macros.values(), key=lambda m: m.code)

    async def put_desk_agent(self, agent: DeskAgent, event: CaseEvent) -> None:
        self._desk_agents[agent.staff_id] = agent
        self._append([event])

    async def desk_agents(self) -> list[DeskAgent]:
        return sorted(self._desk_agents.values(), key=lambda a: a.staff_id)

    async def add_cases(self, cases: Sequence[NewCase]) -> None:
        ids = [n.case.id for n in cases]
        numbers = [n.case.number for n in cases]
        if len(set(ids)) < len(ids) or any(i in self._cases for i in ids):
            raise Conflict("a case with this id exists already")
        if len(set(numbers)) < len(numbers) or any(n in self._numbers for n in numbers):
            raise Conflict("a case with this number exists already")
        mail_ids = [m.email_message_id for n in cases for m in n.messages if m.email_message_id]
        if any(m in self._mail_ids for m in mail_ids):
            raise Conflict("a message with this Message-ID exists already")
        for new in cases:
            self._cases[new.case.id] = new.case
            bisect.insort(self._case_ids, new.case.id)
            self._numbers[new.case.number] = new.case.id
            self._add_messages(new.messages)
            self._append(new.events)

    async def change_cases(
        self, changes: Sequence[CaseChange], cursor: CursorMove | None = None
    ) -> set[str] | None:
        if cursor is not None:
            if self._router_cursors.get(cursor.market) != cursor.expected:
                return None
            self._router_cursors[cursor.market] = cursor.to
        written: set[str] = set()
        for change in changes:
            stored = self._cases.get(change.case.id)
            if change.case.id in written or stored is None:
                continue  # one change of a case a batch: the next one was based on the old
            if stored.version != change.expected_version:
                continue
            self._cases[change.case.id] = replace(change.case, version=change.expected_version + 1)
            self._add_messages(change.messages)
            self._append(change.events)
            written.add(change.case.id)
        return written

    async def commit_routers(self, batches: Sequence[RouterBatch]) -> list[set[str] | None]:
        return [await self.change_cases(b.changes, b.cursor) for b in batches]

    def _add_messages(self, messages: Sequence[CaseMessage]) -> None:
        for message in messages:
            self._case_messages.setdefault(message.case_id, []).append(message)
            if message.email_message_id:
                self._mail_ids[message.email_message_id] = message.case_id

    def _append(self, events: Sequence[CaseEvent]) -> None:
        for event in events:
            seq = len(self._case_events) + 1
            self._case_events.append(replace(event, cursor=EventCursor(0, seq)))

    async def cases_by_id(self, case_ids: Sequence[str]) -> dict[str, Case]:
        return {i: self._cases[i] for i in case_ids if i in self._cases}

    async def case_by_number(self, number: str) -> Case | None:
        found = self._numbers.get(number)
        return None if found is None else self._cases[found]

    async def cases_of_customer(self, customer_id: str, limit: int) -> list[Case]:
        mine = [c for c in self._cases.values() if c.customer_id == customer_id]
        return sorted(mine, key=lambda c: c.id, reverse=True)[:limit]

    async def list_cases(self, query: CaseQuery, after: str | None, limit: int) -> list[Case]:
        start = 0 if after is None else bisect.bisect_right(self._case_ids, after)
        found = []
        for case_id in self._case_ids[start:]:
            case = self._cases[case_id]
            if _in_view(case, query):
                found.append(case)
                if len(found) == limit:
                    break
        return found

    async def messages_of_case(self, case_id: str) -> list[CaseMessage]:
        return list(self._case_messages.get(case_id, []))

    async def case_of_mail(self, message_ids: Sequence[str]) -> str | None:
        for message_id in message_ids:
            if message_id in self._mail_ids:
                return self._mail_ids[message_id]
        return None

    async def cases_due(self, now: datetime, limit: int) -> list[Case]:
        due = [c for c in self._cases.values() if _due_by(c, now)]
        return sorted(due, key=lambda c: c.id)[:limit]

    async def live_cases(self, market: str) -> list[Case]:
        return [
            c
            for c in (self._cases[i] for i in self._case_ids)
            if c.market == market
            and c.status in LOADING
            and (c.assignee is not None or c.routed_at is not None)
        ]

    async def cases_opened(self, market: str | None, start: datetime, end: datetime) -> list[Case]:
        return [
            c
            for c in (self._cases[i] for i in self._case_ids)
            if (market is None or c.market == market) and start <= c.created_at < end
        ]

    async def read_case_events(
        self, after: EventCursor, limit: int, market: str | None = None
    ) -> CaseEventPage:
        found = [e for e in self._case_events[after.seq :] if market is None or e.market == market][
            :limit
        ]
        return CaseEventPage(found, found[-1].cursor if found else after)

    async def events_of_case(self, case_id: str) -> list[CaseEvent]:
        return [e for e in self._case_events if e.case_id == case_id]

    async def router_cursor(self, market: str) -> EventCursor | None:
        return self._router_cursors.get(market)


def _due_by(case: Case, now: datetime) -> bool:
    due = case.next_due
    return due is not None and due <= now


def _in_view(case: Case, query: CaseQuery) -> bool:
    if query.markets and case.market not in query.markets:
        return False
    if query.view is View.MINE:
        return case.assignee == query.agent and case.status not in DONE
    if query.view is View.QUEUE:
        return case.queue == query.queue and case.status not in DONE
    if query.view is View.UNASSIGNED:
        return case.assignee is None and case.routed_at is not None and case.status not in DONE
    assert query.now is not None
    return _due_by(case, query.now) or (bool(case.sla.breaches) and case.status not in DONE)
