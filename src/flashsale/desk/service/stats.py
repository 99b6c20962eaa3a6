"""The desk's figures over a period, per hour (or per day): opened, deflected (answered by the
record and accepted), routed, solved, backlog, first response p50/p90 in business time,
breaches; and the agents online and at capacity now. Deflection is a first-class figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flashsale.desk.domain.case import Case, CaseStatus
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent
from flashsale.desk.ports import CaseQuery, DeskRepository, View
from flashsale.desk.service.setup import DeskSetup, Snapshot
from flashsale.kernel.errors import InvalidInput

MAX_SPAN = timedelta(days=31)
GRAINS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    opened: int = 0
    deflected: int = 0
    routed: int = 0
    solved: int = 0
    backlog: int = 0  # opened by the bucket's end and not solved by then
    first_response_p50: float | None = None  # business seconds
    first_response_p90: float | None = None
    breaches: int = 0


@dataclass(frozen=True, slots=True)
class DeskStats:
    start: datetime
    end: datetime
    grain: str
    buckets: list[Bucket]
    opened: int
    deflected: int
    routed: int
    solved: int
    breaches: int
    agents_online: int
    agents_at_capacity: int
    queues: list[str] = field(default_factory=list)

    @property
    def deflection_rate(self) -> float:
        return self.deflected / self.opened if self.opened else 0.0


@dataclass(frozen=True, slots=True)
class QueueLoad:
    queue: str
    waiting: int  # routed, nobody assigned yet
    assigned: int  # with an agent, its clock running


@dataclass(frozen=True, slots=True)
class AgentLoad:
    agent: DeskAgent
    load: int  # assigned cases whose clock runs: what capacity is measured against


@dataclass(frozen=True, slots=True)
class Workload:
    """A market's desk at this moment: the supervisor's page."""

    queues: list[QueueLoad]
    agents: list[AgentLoad]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Stats:
    def __init__(self, repository: DeskRepository, setup: DeskSetup) -> None:
        self._repo = repository
        self._setup = setup

    async def figures(
        self,
        start: datetime,
        end: datetime,
        *,
        grain: str = "hour",
        market: str | None = None,
        queue: str | None = None,
    ) -> DeskStats:
        if grain not in GRAINS:
            raise InvalidInput("grain: hour or day")
        if not start < end or end - start > MAX_SPAN:
            raise InvalidInput(f"from before to, at most {MAX_SPAN.days} days apart")
        snapshot = await self._setup.snapshot()
        cases = [
            c
            for c in await self._repo.cases_opened(market, start, end)
            if queue is None or c.queue == queue
        ]
        step = GRAINS[grain]
        buckets = []
        moment = start
        while moment < end:
            upto = min(moment + step, end)
            inside = [c for c in cases if moment <= c.created_at < upto]
            firsts = [
                _first_response(snapshot, c) for c in inside if c.sla.first_responded_at is not None
            ]
            buckets.append(
                Bucket(
                    moment,
                    opened=len(inside),
                    deflected=sum(c.deflected for c in inside),
                    routed=sum(c.routed_at is not None for c in inside),
                    solved=sum(
                        c.solved_at is not None and moment <= c.solved_at < upto for c in cases
                    ),
                    backlog=sum(
                        c.created_at < upto
                        and (c.solved_at is None or c.solved_at >= upto)
                        and c.status is not CaseStatus.CLOSED
                        for c in cases
                    ),
                    first_response_p50=percentile(firsts, 0.5),
                    first_response_p90=percentile(firsts, 0.9),
                    breaches=sum(len(c.sla.breaches) for c in inside),
                )
            )
            moment = upto
        online, full = await self._agents(market)
        return DeskStats(
            start,
            end,
            grain,
            buckets,
            opened=len(cases),
            deflected=sum(c.deflected for c in cases),
            routed=sum(c.routed_at is not None for c in cases),
            solved=sum(c.solved_at is not None for c in cases),
            breaches=sum(len(c.sla.breaches) for c in cases),
            agents_online=online,
            agents_at_capacity=full,
            queues=sorted({c.queue for c in cases}),
        )

    async def workload(self, market: str) -> Workload:
        """Backlog per queue and every agent's load against capacity, now: one read of the
        market's live cases (what its router rebuilds from), not one per agent."""
        live = await self._repo.live_cases(market)
        snapshot = await self._setup.snapshot()
        codes = sorted(
            {q.code for q in snapshot.queues.values() if q.market == market}
            | {c.queue for c in live}
        )
        queues = [
            QueueLoad(
                code,
                waiting=sum(c.waiting for c in live if c.queue == code),
                assigned=sum(c.loads_assignee for c in live if c.queue == code),
            )
            for code in codes
        ]
        loads: dict[str, int] = {}
        for case in live:
            if case.loads_assignee and case.assignee is not None:
                loads[case.assignee] = loads.get(case.assignee, 0) + 1
        agents = [
            AgentLoad(a, loads.get(a.staff_id, 0))
            for a in await self._repo.desk_agents()
            if a.market == market
        ]
        return Workload(queues, agents)

    async def _agents(self, market: str | None) -> tuple[int, int]:
        online = full = 0
        for agent in await self._repo.desk_agents():
            if market is not None and agent.market != market:
                continue
            if agent.status is not AgentStatus.AVAILABLE:
                continue
            online += 1
            mine = await self._repo.list_cases(
                CaseQuery(View.MINE, agent=agent.staff_id), None, agent.capacity + 1
            )
            if sum(c.loads_assignee for c in mine) >= agent.capacity:
                full += 1
        return online, full


def _first_response(snapshot: Snapshot, case: Case) -> float:
    assert case.sla.first_responded_at is not None
    queue = snapshot.queues.get(case.queue)
    policy = None if queue is None else snapshot.policies.get(queue.sla_policy)
    if policy is None:
        return (case.sla.first_responded_at - case.created_at).total_seconds()
    clock = snapshot.working_time(case.market, policy)
    return clock.between(case.created_at, case.sla.first_responded_at).total_seconds()
