"""One router per market: reads the desk's event feed, keeps the market's board (agents'
loads, waiting lines) in memory, decides, and commits its assignments in batches.

A step reads the feed past its cursor and applies every event to the board (each case event
carries the case's routing facts after the change, so applying is idempotent and the last
event of a case says where it stands), asks the board for its decisions, and writes them in
one transaction with the move of the market's router cursor, compared and set: two routers
that read the same events cannot both commit (the second finds the cursor moved, rebuilds and
decides again), and a case is assigned only while it is still at the version read, so a
customer's message or a manual assignment in between is never overwritten. A router killed
mid-batch has committed all of the batch or none of it; its successor rebuilds from the
record.

Leadership: on PostgreSQL one process of the fleet holds the market's advisory lock; on SQLite
the one server routes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.desk.domain.case import LOADING, Case, CaseStatus, Topic
from flashsale.desk.domain.events import CaseEvent, CaseEventKind, EventCursor, event_of
from flashsale.desk.domain.routing import Assignment, Board
from flashsale.desk.ports import CaseChange, CursorMove, DeskRepository
from flashsale.desk.service.setup import DeskSetup
from flashsale.kernel.clock import Clock
from flashsale.platform.leadership import Leadership

PAGE = 5000
BATCH = 2000
log = logging.getLogger(__name__)


class MarketRouter:
    def __init__(
        self,
        market: str,
        repository: DeskRepository,
        setup: DeskSetup,
        clock: Clock,
        leadership: Leadership,
        *,
        batch: int = BATCH,
    ) -> None:
        self.market = market
        self._repo = repository
        self._setup = setup
        self._clock = clock
        self._leadership = leadership
        self._batch = batch
        self._board: Board | None = None
        self._read_to = EventCursor()
        self._stored: EventCursor | None = None
        self.assigned = 0  # assignments this router committed
        # Wall seconds spent deciding and committing (not reading the feed): its routing rate.
        self.deciding_seconds = 0.0
        self._stepping = asyncio.Lock()  # the background loop and a caller share the board

    @property
    def role(self) -> str:
        return f"desk-router:{self.market}"

    @property
    def board(self) -> Board | None:
        return self._board

    async def step(self) -> int:
        """Catch up with the feed, decide, commit; the assignments committed."""
        async with self._stepping:
            return await self._step()

    async def _step(self) -> int:
        if not await self._leadership.leads(self.role):
            self._board = None  # the leader's board moves meanwhile: rebuild on return
            return 0
        if self._board is None:
            await self._rebuild()
        board = self._board
        assert board is not None
        await self._catch_up(board)
        began = time.perf_counter()
        try:
            return await self._assign(board)
        finally:
            self.deciding_seconds += time.perf_counter() - began

    async def _assign(self, board: Board) -> int:
        done = 0
        while True:
            decisions = board.decide(self._clock.now())
            if not decisions:
                return done
            for start in range(0, len(decisions), self._batch):
                chunk = decisions[start : start + self._batch]
                written = await self._commit(board, chunk)
                if written is None:
                    self._board = None  # another router moved the cursor: rebuild
                    return done
                done += written
            if done == 0:
                return 0

    async def _rebuild(self) -> None:
        """The board from the record: the market's queues and agents, its live cases."""
        self._stored = await self._repo.router_cursor(self.market)
        end = await self._feed_end()
        board = Board()
        snapshot = await self._setup.reload()
        board.put_queues(q for q in snapshot.queues.values() if q.market == self.market)
        for agent in await self._repo.desk_agents():
            if agent.market == self.market:
                board.put_agent(agent)
        for case in await self._repo.live_cases(self.market):
            _place(board, case)
        self._board = board
        self._read_to = end

    async def _feed_end(self) -> EventCursor:
        after = self._stored or EventCursor()
        while True:
            page = await self._repo.read_case_events(after, PAGE, self.market)
            if not page.events:
                return after
            after = page.next_cursor

    async def _catch_up(self, board: Board) -> None:
        agents_changed = False
        while True:
            page = await self._repo.read_case_events(self._read_to, PAGE, self.market)
            for event in page.events:
                if event.kind is CaseEventKind.AGENT:
                    agents_changed = True
                else:
                    _apply(board, event)
            self._read_to = page.next_cursor
            if len(page.events) < PAGE:
                break
        if agents_changed:
            snapshot = await self._setup.reload()
            board.put_queues(q for q in snapshot.queues.values() if q.market == self.market)
            for agent in await self._repo.desk_agents():
                if agent.market == self.market:
                    board.put_agent(agent)

    async def _commit(self, board: Board, decisions: Sequence[Assignment]) -> int | None:
        cases = await self._repo.cases_by_id([d.case_id for d in decisions])
        now = self._clock.now()
        changes = []
        for decision in decisions:
            case = cases.get(decision.case_id)
            if case is None or not case.waiting:
                board.case_released(decision.case_id)  # its next event says where it is
                continue
            assigned = replace(
                case, assignee=decision.agent_id, version=case.version + 1, updated_at=now
            )
            event = event_of(
                assigned,
                CaseEventKind.ASSIGNED,
                "system",
                now,
                agent=decision.agent_id,
                over_capacity=False,
            )
            changes.append(CaseChange(assigned, case.version, (), (event,)))
        move = CursorMove(self.market, self._stored, self._read_to)
        written = await self._repo.change_cases(changes, move)
        if written is None:
            return None
        self._stored = self._read_to
        for change in changes:
            if change.case.id not in written:
                board.case_released(change.case.id)
        self.assigned += len(written)
        return len(written)


def _place(board: Board, case: Case) -> None:
    if case.status not in LOADING:
        board.case_released(case.id)
    elif case.assignee is not None:
        board.case_assigned(case.id, case.assignee, (case.queue, case.topic))
    elif case.routed_at is not None:
        due = case.sla.first_response_due
        board.case_waiting(case.id, case.queue, case.topic, case.priority.rank, due)
    else:
        board.case_released(case.id)


def _apply(board: Board, event: CaseEvent) -> None:
    route = event.data.get("route")
    if event.case_id is None or not isinstance(route, dict):
        return
    status = CaseStatus(route["status"])
    topic = Topic(route["topic"])
    if status not in LOADING:
        board.case_released(event.case_id)
    elif route["assignee"] is not None:
        board.case_assigned(event.case_id, route["assignee"], (route["queue"], topic))
    elif route["routed"]:
        due = None if route["due"] is None else datetime.fromisoformat(route["due"])
        board.case_waiting(event.case_id, route["queue"], topic, route["rank"], due)
    else:
        board.case_released(event.case_id)
