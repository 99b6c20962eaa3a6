"""The desk's set-up: queues, SLA policies, calendars, macros and agents.

What routing and the SLA clocks read on every case (queues, policies, calendars) is kept in
memory and read again from the record at most every ``refresh_seconds`` of real time: a change
made in this process takes hold at once, one made in another within that time. Real time, not
the shop's clock: a simulated day moves its clock by minutes a step, and a read per step would
be all the cost of a quiet minute.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flashsale.catalog.service import Catalog
from flashsale.desk.domain.calendar import AlwaysOpen, Calendar
from flashsale.desk.domain.case import Topic
from flashsale.desk.domain.events import CaseEvent, CaseEventKind
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import Priority, SlaPolicy, Targets, WorkingTime
from flashsale.desk.domain.staffing import (
    AgentStatus,
    DeskAgent,
    Queue,
    language_of,
    parse_code,
    parse_topics,
    queue_for,
)
from flashsale.desk.errors import AgentUnavailable
from flashsale.desk.ports import DeskRepository
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.staff.model import Role, parse_languages, parse_market_codes
from flashsale.staff.service import StaffDirectory


@dataclass(frozen=True, slots=True)
class Snapshot:
    queues: Mapping[str, Queue] = field(default_factory=dict)
    policies: Mapping[str, SlaPolicy] = field(default_factory=dict)
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    macros: Mapping[str, Macro] = field(default_factory=dict)
    read_at: datetime | None = None
    # Each (market, language, topic) asked once a snapshot: every contact asks.
    _queue_of: dict[tuple[str, str, Topic], Queue | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def queue_for(self, market: str, language: str, topic: Topic) -> Queue | None:
        key = (market, language, topic)
        try:
            return self._queue_of[key]
        except KeyError:
            found = queue_for(self.queues.values(), market, language, topic)
            self._queue_of[key] = found
            return found

    def working_time(self, market: str, policy: SlaPolicy) -> WorkingTime:
        calendar = self.calendars.get(market)
        if calendar is None or not policy.business_hours:
            return AlwaysOpen()
        return calendar


class DeskSetup:
    def __init__(
        self,
        repository: DeskRepository,
        staff: StaffDirectory,
        catalog: Catalog,
        clock: Clock,
        *,
        refresh_seconds: float = 5.0,
    ) -> None:
        self._repo = repository
        self._staff = staff
        self._catalog = catalog
        self._clock = clock
        self._refresh = refresh_seconds
        self._snapshot = Snapshot()
        self._read_when: float | None = None  # time.monotonic() of the last read
        self._reading = asyncio.Lock()

    async def snapshot(self) -> Snapshot:
        if self._stale():
            async with self._reading:  # one read for every caller that found it stale
                if self._stale():
                    await self.reload()
        return self._snapshot

    def _stale(self) -> bool:
        read = self._read_when
        return read is None or time.monotonic() - read >= self._refresh

    async def reload(self) -> Snapshot:
        self._snapshot = Snapshot(
            {q.code: q for q in await self._repo.desk_queues()},
            {p.code: p for p in await self._repo.sla_policies()},
            {c.market: c for c in await self._repo.desk_calendars()},
            {m.code: m for m in await self._repo.macros()},
            self._clock.now(),
        )
        self._read_when = time.monotonic()
        return self._snapshot

    async def add_queue(
        self, code: str, market: str, language: str, topics: Iterable[str], sla_policy: str
    ) -> Queue:
        (market_code,) = parse_market_codes([market])
        await self._catalog.market(market_code)  # 404 for a market the shop does not sell in
        policy = parse_code(sla_policy, "SLA policy")
        if policy not in (await self.reload()).policies:
            raise InvalidInput(f"no SLA policy {policy!r}: add it first")
        chosen = parse_topics(topics)
        if not chosen:
            raise InvalidInput("a queue takes at least one topic")
        queue = Queue(
            parse_code(code, "queue"),
            market_code,
            language_of(parse_languages([language])[0]),
            chosen,
            policy,
        )
        await self._repo.put_desk_queue(queue)
        await self.reload()
        return queue

    async def queues(self) -> list[Queue]:
        return await self._repo.desk_queues()

    async def set_sla_policy(
        self,
        code: str,
        targets: Mapping[str, tuple[int, int, int]],
        *,
        business_hours: bool = True,
    ) -> SlaPolicy:
        """``targets``: per priority (urgent, high, normal, low), the minutes of first
        response, next response and resolution; one given as ``"*"`` is every priority's."""
        spread = dict(targets)
        if "*" in spread:
            every = spread.pop("*")
            spread = {p.value: spread.get(p.value, every) for p in Priority}
        try:
            parsed = {Priority(p): Targets(*values) for p, values in spread.items()}
        except ValueError:
            raise InvalidInput(
                "targets are given per priority: urgent, high, normal, low"
            ) from None
        policy = SlaPolicy(parse_code(code, "SLA policy"), parsed, business_hours)
        await self._repo.put_sla_policy(policy)
        await self.reload()
        return policy

    async def sla_policies(self) -> list[SlaPolicy]:
        return await self._repo.sla_policies()

    async def set_calendar(
        self,
        market: str,
        weekly: Mapping[str, Iterable[str]],
        *,
        timezone: str | None = None,
        holiday_country: str | None = None,
        extra_holidays: Iterable[date] = (),
    ) -> Calendar:
        """A market's calendar; its time zone defaults to the market's, its holidays to the
        market's country's."""
        (code,) = parse_market_codes([market])
        found = await self._catalog.market(code)
        calendar = Calendar.of(
            code,
            timezone or found.timezone,
            weekly,
            holiday_country if holiday_country is not None else code,
            extra_holidays,
        )
        await self._repo.put_desk_calendar(calendar)
        await self.reload()
        return calendar

    async def calendars(self) -> list[Calendar]:
        return await self._repo.desk_calendars()

    async def add_macro(
        self, code: str, title: str, body: str, set_status: str | None = None
    ) -> Macro:
        macro = Macro.checked(code, title, body, set_status)
        await self._repo.put_macro(macro)
        await self.reload()
        return macro

    async def macros(self) -> list[Macro]:
        return await self._repo.macros()

    async def macro(self, code: str) -> Macro:
        found = (await self.snapshot()).macros.get(code)
        if found is None:
            found = (await self.reload()).macros.get(code)  # added by another process
        if found is None:
            raise NotFound(f"no macro {code[:40]!r}")
        return found

    async def add_agent(
        self,
        staff: str,
        *,
        market: str,
        languages: Iterable[str],
        topics: Iterable[str],
        capacity: int,
        actor: str = "admin",
    ) -> DeskAgent:
        """A staff member with the agent role joins the desk (offline until they say)."""
        member = await self._staff.find(staff)
        if member is None:
            raise NotFound(f"no staff member {staff[:60]!r}")
        if Role.AGENT not in member.roles and Role.SUPERVISOR not in member.roles:
            raise InvalidInput(f"{member.email} has neither the agent nor the supervisor role")
        (code,) = parse_market_codes([market])
        if not member.serves(code):
            raise InvalidInput(f"{member.email} does not serve the market {code}")
        spoken = [language_of(tag) for tag in parse_languages(languages or member.languages)]
        now = self._clock.now()
        agent = DeskAgent(
            member.id,
            code,
            frozenset(spoken),
            parse_topics(topics),
            capacity,
            AgentStatus.OFFLINE,
            now,
        )
        known = await self.agent(member.id)
        if known is not None:
            agent = replace(agent, status=known.status, status_since=known.status_since)
        await self._repo.put_desk_agent(agent, _agent_event(agent, actor, now))
        return agent

    async def agents(self) -> list[DeskAgent]:
        return await self._repo.desk_agents()

    async def agent(self, staff_id: str) -> DeskAgent | None:
        for agent in await self._repo.desk_agents():
            if agent.staff_id == staff_id:
                return agent
        return None

    async def set_status(self, staff_id: str, status: str) -> DeskAgent:
        agent = await self.agent(staff_id)
        if agent is None:
            raise AgentUnavailable("you are not an agent of the desk: an admin adds you first")
        try:
            chosen = AgentStatus(status)
        except ValueError:
            raise InvalidInput(f"{status[:20]!r}: available, away or offline") from None
        now = self._clock.now()
        changed = replace(agent, status=chosen, status_since=now)
        await self._repo.put_desk_agent(changed, _agent_event(changed, f"staff:{staff_id}", now))
        return changed


def _agent_event(agent: DeskAgent, actor: str, at: datetime) -> CaseEvent:
    return CaseEvent(
        CaseEventKind.AGENT,
        at,
        actor,
        agent.market,
        None,
        {"agent": agent.staff_id, "status": agent.status.value, "capacity": agent.capacity},
    )
