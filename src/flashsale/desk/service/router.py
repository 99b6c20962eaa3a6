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
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.desk.domain.case import LOADING, Case, CaseStatus, Topic
from flashsale.desk.domain.events import CaseEvent, CaseEventKind, EventCursor, event_of
from flashsale.desk.domain.routing import Assignment, Board
from flashsale.desk.ports import CaseChange, CursorMove, DeskRepository, RouterBatch
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
        written: Callable[[Case], None] | None = None,
    ) -> None:
        self.market = market
        self._repo = repository
        self._setup = setup
        self._clock = clock
        self._leadership = leadership
        self._batch = batch
        self._written = written  # told each case this router assigned, as written
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
            board = await self._caught_up()
            if board is None:
                return 0
            began = time.perf_counter()
            try:
                return await self._assign(board, board.decide(self._clock.now()))
            finally:
                self.deciding_seconds += time.perf_counter() - began

    async def _caught_up(self) -> Board | None:
        """The board, rebuilt if need be and caught up with the feed; None while another
        process leads the market."""
        board = await self._led()
        if board is not None:
            await self._catch_up(board)
        return board

    async def _led(self) -> Board | None:
        """The board, rebuilt if need be; None while another process leads the market."""
        if not await self._leadership.leads(self.role):
            self._board = None  # the leader's board moves meanwhile: rebuild on return
            return None
        if self._board is None:
            await self._rebuild()
        return self._board

    async def _assign(self, board: Board, decisions: list[Assignment]) -> int:
        """Commit ``decisions`` (in batches), then whatever the board decides after them."""
        done = 0
        while decisions:
            for start in range(0, len(decisions), self._batch):
                chunk = decisions[start : start + self._batch]
                cases = await self._repo.cases_by_id([d.case_id for d in chunk])
                changes = self._changes(board, chunk, cases)
                written = await self._repo.change_cases(changes, self._move())
                if written is None:
                    self._board = None  # another router moved the cursor: rebuild
                    return done
                done += self._settle(board, changes, written)
            if done == 0:
                return 0
            decisions = board.decide(self._clock.now())
        return done

    def _move(self) -> CursorMove:
        return CursorMove(self.market, self._stored, self._read_to)

    def _changes(
        self, board: Board, decisions: Sequence[Assignment], cases: dict[str, Case]
    ) -> list[CaseChange]:
        """The assignments of the cases still waiting as read; the others leave the board
        (their next event says where they are)."""
        now = self._clock.now()
        changes = []
        for decision in decisions:
            case = cases.get(decision.case_id)
            if case is None or not case.waiting:
                board.case_released(decision.case_id)
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
            changes.append(CaseChange(assigned, case.version, (), (event,), case))
        return changes

    def _settle(
        self,
        board: Board,
        changes: Sequence[CaseChange],
        written: set[str],
        again: frozenset[str] = frozenset(),
    ) -> int:
        """After a commit that moved the cursor: a change not written (the case moved since
        it was read) leaves the board, unless it is to be read ``again``; the written ones are
        told to ``written``."""
        self._stored = self._read_to
        for change in changes:
            if change.case.id not in written:
                if change.case.id not in again:
                    board.case_released(change.case.id)
            elif self._written is not None:
                self._written(change.case)
        self.assigned += len(written)
        return len(written)

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
        """The end of every market's feed: routers read it together from there on
        (``route_together``), so none starts a shared read from behind the others."""
        after = self._stored or EventCursor()
        while True:
            page = await self._repo.read_case_events(after, PAGE)
            if not page.events:
                return after
            after = page.next_cursor

    async def _catch_up(self, board: Board) -> None:
        agents_changed = False
        while True:
            page = await self._repo.read_case_events(self._read_to, PAGE, self.market)
            agents_changed |= _take(board, page.events)
            self._read_to = page.next_cursor
            if len(page.events) < PAGE:
                break
        if agents_changed:
            await self._agents_changed(board)

    async def _agents_changed(self, board: Board) -> None:
        snapshot = await self._setup.reload()
        board.put_queues(q for q in snapshot.queues.values() if q.market == self.market)
        for agent in await self._repo.desk_agents():
            if agent.market == self.market:
                board.put_agent(agent)


async def _catch_up_together(
    ready: Sequence[tuple[MarketRouter, Board]], repository: DeskRepository
) -> None:
    """Every router's board caught up by one read of the feed (every market's events), not
    one read a market: each router takes its market's events past its own cursor, and is then
    read up to where the read ended."""
    after = min(router._read_to for router, _ in ready)
    mine: dict[str, tuple[MarketRouter, Board, list[CaseEvent]]] = {
        router.market: (router, board, []) for router, board in ready
    }
    while True:
        page = await repository.read_case_events(after, PAGE)
        for event in page.events:
            found = mine.get(event.market)
            if found is not None and event.cursor > found[0]._read_to:
                found[2].append(event)
        after = page.next_cursor
        if len(page.events) < PAGE:
            break
    for router, board, events in mine.values():
        router._read_to = max(router._read_to, after)
        if _take(board, events):
            await router._agents_changed(board)


def _take(board: Board, events: Sequence[CaseEvent]) -> bool:
    """The events applied to the board; whether an agent changed among them."""
    agents_changed = False
    for event in events:
        if event.kind is CaseEventKind.AGENT:
            agents_changed = True
        else:
            _apply(board, event)
    return agents_changed


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


Known = Callable[[str], Case | None]


async def route_together(
    routers: Sequence[MarketRouter], repository: DeskRepository, known: Known | None = None
) -> int:
    """One step of each router, their decisions committed in one transaction: one commit for
    every market a step, where each router alone makes one of its own. What a board decides
    after that commit, and decisions beyond a router's batch, go on alone; a router whose
    cursor had moved rebuilds on its next step. The assignments committed.

    ``known``: the case as this process last wrote it, if it holds it (``CaseWrites``). A
    case it says is waiting is assigned from that copy, not read again: the write is guarded
    by its version, and the few such writes refused (another process changed the case) are
    read and worked out again before their cases may leave the board."""
    async with contextlib.AsyncExitStack() as held:
        for router in sorted(routers, key=lambda r: r.market):
            await held.enter_async_context(router._stepping)
        boards: list[tuple[MarketRouter, Board]] = []
        for router in routers:
            board = await router._led()
            if board is not None:
                boards.append((router, board))
        if boards:
            await _catch_up_together(boards, repository)
        ready: list[tuple[MarketRouter, Board, list[Assignment]]] = []
        for router, board in boards:
            began = time.perf_counter()
            decisions = board.decide(router._clock.now())
            router.deciding_seconds += time.perf_counter() - began
            if decisions:
                ready.append((router, board, decisions))
        if not ready:
            return 0
        began = time.perf_counter()
        firsts = [decisions[: router._batch] for router, _, decisions in ready]
        try:
            cases: dict[str, Case] = {}
            for first in firsts:
                for decision in first:
                    kept = None if known is None else known(decision.case_id)
                    if kept is not None and kept.waiting:
                        cases[decision.case_id] = kept
            copied = frozenset(cases)
            ids = [d.case_id for first in firsts for d in first if d.case_id not in copied]
            if ids:
                cases.update(await repository.cases_by_id(ids))
            batches = [
                RouterBatch(router._changes(board, first, cases), router._move())
                for (router, board, _), first in zip(ready, firsts, strict=True)
            ]
            answers = await repository.commit_routers(batches)
        except BaseException:
            for router, _, _ in ready:  # their boards hold what was not committed: rebuild
                router._board = None
            raise
        shared = (time.perf_counter() - began) / sum(len(first) for first in firsts)
        done = 0
        for (router, board, decisions), batch, written in zip(ready, batches, answers, strict=True):
            began = time.perf_counter()
            if written is None:
                router._board = None  # another router moved the cursor: rebuild
                continue
            made = router._settle(board, batch.changes, written, copied)
            again = {c.case.id for c in batch.changes if c.case.id not in written} & copied
            if again:  # copies another process outdated: worked out on the record as it is
                retried = [d for d in decisions[: router._batch] if d.case_id in again]
                try:
                    fresh = await repository.cases_by_id(sorted(again))
                    changes = router._changes(board, retried, fresh)
                    answer = await repository.change_cases(changes, router._move())
                except BaseException:
                    router._board = None
                    raise
                if answer is None:
                    router._board = None
                    continue
                made += router._settle(board, changes, answer)
            rest = decisions[router._batch :]
            follow = rest or (board.decide(router._clock.now()) if made else [])
            if follow:
                made += await router._assign(board, follow)
            done += made
            spent = time.perf_counter() - began
            router.deciding_seconds += spent + shared * min(len(decisions), router._batch)
        return done
