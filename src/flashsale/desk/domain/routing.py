"""Routing, decided in memory: which available agent takes which waiting case.

A case waits on a line of its own (queue, topic): the queue fixes market and language, so
every case of a line is served by the same agents: those of the queue's market speaking its
language and answering the topic. A line is ordered by (priority, first response due, arrival);
its cases go, head first, to the least-loaded available agent under capacity, ties to the one
idle longest (who has gone longest without a new case).

The board keeps one invariant, which is what Chatwoot's users missed (#10583): **no case waits
on a line while one of its agents has room**. Every change that could break it is followed by
``decide``: an arrival is assigned at once unless its line is blocked; an agent who frees
capacity or comes online takes the heads of their lines at once.

Agents with room sit, per line, in a heap keyed (load, idle since, id); an entry is stale once
the agent changed since (a version each), and is skipped when met. So an assignment costs a
few heap operations, never a scan of the agents nor a count of their cases.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flashsale.desk.domain.case import Topic
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent, Queue

Line = tuple[str, Topic]  # (queue code, topic)


@dataclass(frozen=True, slots=True)
class Assignment:
    case_id: str
    agent_id: str
    over_capacity: bool = False


@dataclass(slots=True)
class _Agent:
    agent: DeskAgent
    load: int = 0
    idle_since: float = 0.0  # POSIX seconds of the last assignment (or coming online)
    version: int = 0
    lines: tuple[Line, ...] = ()

    @property
    def has_room(self) -> bool:
        return self.agent.status is AgentStatus.AVAILABLE and self.load < self.agent.capacity


@dataclass(slots=True)
class _Case:
    line: Line
    rank: int
    due: float
    seq: int
    agent: str | None = None


@dataclass
class Board:
    """One market's routing state. Not thread-safe; one router owns it."""

    queues: dict[str, Queue] = field(default_factory=dict)
    _agents: dict[str, _Agent] = field(default_factory=dict)
    _cases: dict[str, _Case] = field(default_factory=dict)
    _waiting: dict[Line, list[tuple[int, float, int, str]]] = field(default_factory=dict)
    _free: dict[Line, list[tuple[int, float, str, int]]] = field(default_factory=dict)
    _dirty: set[Line] = field(default_factory=set)
    _freed: set[str] = field(default_factory=set)
    _seq: int = 0

    # -- what the board is told ---------------------------------------------------------------

    def put_queues(self, queues: Iterable[Queue]) -> None:
        for queue in queues:
            self.queues[queue.code] = queue
        for agent_id, state in self._agents.items():
            self._relink(agent_id, state, lines=True)

    def put_agent(self, agent: DeskAgent) -> None:
        """An agent joined, changed skills or capacity, or came or went."""
        state = self._agents.get(agent.staff_id)
        if state is None:
            state = _Agent(agent, idle_since=agent.status_since.timestamp())
            self._agents[agent.staff_id] = state
        else:
            came_online = (
                agent.status is AgentStatus.AVAILABLE
                and state.agent.status is not AgentStatus.AVAILABLE
            )
            state.agent = agent
            if came_online:
                state.idle_since = agent.status_since.timestamp()
        self._relink(agent.staff_id, state, lines=True)

    def case_waiting(
        self, case_id: str, queue: str, topic: Topic, rank: int, due: datetime | None
    ) -> None:
        """A case joins (or, moved, rejoins) its line, unassigned; told again the same, it
        keeps its place."""
        line = (queue, topic)
        at = due.timestamp() if due is not None else float("inf")
        known = self._cases.get(case_id)
        if (
            known is not None
            and known.agent is None
            and (known.line, known.rank, known.due)
            == (
                line,
                rank,
                at,
            )
        ):
            return
        self.case_released(case_id)
        self._seq += 1
        self._cases[case_id] = _Case(line, rank, at, self._seq)
        heapq.heappush(self._waiting.setdefault(line, []), (rank, at, self._seq, case_id))
        self._dirty.add(line)

    def case_assigned(self, case_id: str, agent_id: str, line: Line | None = None) -> None:
        """The case is its agent's (idempotent: told twice, it counts once)."""
        known = self._cases.get(case_id)
        if known is not None and known.agent == agent_id:
            return
        self.case_released(case_id)
        placed = known.line if known is not None else line or ("", Topic.OTHER)
        self._cases[case_id] = _Case(placed, 0, 0.0, 0, agent_id)
        state = self._agents.get(agent_id)
        if state is not None:
            state.load += 1
            self._relink(agent_id, state)

    def case_released(self, case_id: str) -> None:
        """The case no longer waits nor loads anyone: solved, pending, on hold, closed."""
        known = self._cases.pop(case_id, None)
        if known is None or known.agent is None:
            return  # its entry on a line is stale from now on
        state = self._agents.get(known.agent)
        if state is not None:
            state.load = max(0, state.load - 1)
            self._relink(known.agent, state)

    # -- what it says -------------------------------------------------------------------------

    def waiting_count(self, line: Line | None = None) -> int:
        return sum(
            1 for c in self._cases.values() if c.agent is None and (line is None or c.line == line)
        )

    def load_of(self, agent_id: str) -> int:
        state = self._agents.get(agent_id)
        return 0 if state is None else state.load

    def assignee_of(self, case_id: str) -> str | None:
        known = self._cases.get(case_id)
        return None if known is None else known.agent

    def is_waiting(self, case_id: str) -> bool:
        known = self._cases.get(case_id)
        return known is not None and known.agent is None

    def waiting_in_order(self, line: Line) -> list[str]:
        """The line's cases, head first."""
        entries = sorted(self._waiting.get(line, []))
        return [cid for _, _, seq, cid in entries if self._live_entry(cid, line, seq)]

    def decide(self, now: datetime) -> list[Assignment]:
        """Assign every case that can be: the heads of lines that moved, then the heads of
        the lines of agents who freed room. Applied to the board at once."""
        made: list[Assignment] = []
        stamp = now.timestamp()
        dirty, self._dirty = self._dirty, set()
        for line in sorted(dirty, key=lambda ln: (ln[0], ln[1].value)):
            while True:
                head = self._head(line)
                agent_id = self._best_free(line) if head is not None else None
                if head is None or agent_id is None:
                    break
                made.append(self._assign(head, agent_id, stamp))
        while self._freed:
            agent_id = self._freed.pop()
            state = self._agents.get(agent_id)
            while state is not None and state.has_room:
                earliest = self._earliest_line(state)
                if earliest is None:
                    break
                head = self._head(earliest)
                assert head is not None
                made.append(self._assign(head, agent_id, stamp))
        self._freed.clear()
        return made

    # -- inside -------------------------------------------------------------------------------

    def _assign(self, case_id: str, agent_id: str, stamp: float) -> Assignment:
        case = self._cases[case_id]
        case.agent = agent_id
        state = self._agents[agent_id]
        state.load += 1
        state.idle_since = stamp
        self._relink(agent_id, state, freed=False)
        return Assignment(case_id, agent_id)

    def _lines_of(self, agent: DeskAgent) -> tuple[Line, ...]:
        return tuple(
            (queue.code, topic)
            for queue in self.queues.values()
            if queue.market == agent.market and queue.language in agent.languages
            for topic in sorted(queue.topics & agent.topics)
        )

    def _relink(
        self, agent_id: str, state: _Agent, *, freed: bool = True, lines: bool = False
    ) -> None:
        """The agent changed: old heap entries go stale, new ones go in where they have room;
        ``lines``: their skills or the queues changed, not only their load."""
        state.version += 1
        if lines:
            state.lines = self._lines_of(state.agent)
        if not state.has_room:
            return
        entry = (state.load, state.idle_since, agent_id, state.version)
        for line in state.lines:
            heap = self._free.setdefault(line, [])
            heapq.heappush(heap, entry)
            if len(heap) > 64 and len(heap) > 4 * len(self._agents):
                self._free[line] = self._compacted(heap)
        if freed:
            self._freed.add(agent_id)

    def _compacted(
        self, heap: list[tuple[int, float, str, int]]
    ) -> list[tuple[int, float, str, int]]:
        kept = [e for e in heap if self._live_agent(e)]
        heapq.heapify(kept)
        return kept

    def _live_agent(self, entry: tuple[int, float, str, int]) -> bool:
        state = self._agents.get(entry[2])
        return state is not None and state.version == entry[3] and state.has_room

    def _best_free(self, line: Line) -> str | None:
        heap = self._free.get(line)
        while heap:
            if self._live_agent(heap[0]):
                return heap[0][2]
            heapq.heappop(heap)
        return None

    def _live_entry(self, case_id: str, line: Line, seq: int) -> bool:
        known = self._cases.get(case_id)
        return known is not None and known.agent is None and known.seq == seq and known.line == line

    def _head(self, line: Line) -> str | None:
        heap = self._waiting.get(line)
        while heap:
            _, _, seq, case_id = heap[0]
            if self._live_entry(case_id, line, seq):
                return case_id
            heapq.heappop(heap)
        return None

    def _earliest_line(self, state: _Agent) -> Line | None:
        best: tuple[int, float, int] | None = None
        chosen = None
        for line in state.lines:
            if self._head(line) is None:
                continue
            rank, due, seq, _ = self._waiting[line][0]
            if best is None or (rank, due, seq) < best:
                best, chosen = (rank, due, seq), line
        return chosen
