"""``flashsale simulate --scenario service-day``: the festival's day at the service desk.

Contacts arrive over a simulated day on the festival's curve (30 % in the first hour, the rest
decaying over the next 23), through the desk's own services on a ManualClock, ``tick``
simulated minutes a step. A ``self_service`` share asks "did I get one?" (the record answers:
no order, sold out or over the limit) and accepts the answer; the others ask where their order
is, are routed by their market's router to an agent of their language, and are answered with a
macro that solves them after a handle time of 4 simulated minutes. The SLA sweeper runs every
simulated quarter hour. Four markets, six queues, the agents spread over them (capacity 8, all
available), a 24/7 calendar, first response due in 30 minutes.

The same day as ``benchmarks/service_desk.py`` (which also measures the naive router); this
one is the rehearsal: its report is checked against the desk's own figures (``Stats``).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.console import Console

from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.config import Settings
from flashsale.desk.domain.case import Channel, Topic
from flashsale.desk.domain.events import CaseEvent, CaseEventKind
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent
from flashsale.desk.service.cases import Opening
from flashsale.desk.service.desk import Desk
from flashsale.kernel.clock import ManualClock
from flashsale.lab.rehearsal.in_process import rehearsal_database
from flashsale.lab.service_day_report import ServiceDayReport, checked, show
from flashsale.platform.sql.migrate import upgrade_database

DAY = datetime(2015, 4, 8, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: the festival opens
HANDLE = timedelta(minutes=4)
SWEEP_EVERY = timedelta(minutes=15)
CONCURRENCY = 2_000  # contacts (or replies) in flight at once: the group commits fill up
CAPACITY = 8
CONTACTS_PER_STEP = 20  # on average, at least: see ServiceDay.of
MACRO = "where-is-it"
QUEUES = [  # code, market, language
    ("cn-zh", "CN", "zh"),
    ("cn-en", "CN", "en"),
    ("in-en", "IN", "en"),
    ("in-hi", "IN", "hi"),
    ("es-es", "ES", "es"),
    ("us-en", "US", "en"),
]
MARKETS = [
    Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai"),
    Market("IN", "India", "INR", "en_IN", "Asia/Kolkata"),
    Market("ES", "España", "EUR", "es_ES", "Europe/Madrid"),
    Market("US", "United States", "USD", "en_US", "America/New_York"),
]


class ServiceDayError(ValueError):
    """A plan that cannot run: said as a bad option."""


@dataclass(frozen=True, slots=True)
class ServiceDay:
    contacts: int = 1_000_000
    agents: int = 1_800
    self_service: float = 0.6
    tick: int = 1  # simulated minutes a step
    seed: int = 2015

    def __post_init__(self) -> None:
        if self.contacts < 1:
            raise ServiceDayError("--contacts: at least 1")
        if self.agents < len(QUEUES):
            raise ServiceDayError(f"--agents: at least {len(QUEUES)}, one per queue")
        if not 0 <= self.self_service <= 1:
            raise ServiceDayError("--self-service: a share from 0 to 1")
        if not 1 <= self.tick <= 60:
            raise ServiceDayError("--tick: 1 to 60 simulated minutes")

    @classmethod
    def of(
        cls,
        contacts: int | None = None,
        agents: int | None = None,
        self_service: float | None = None,
        seed: int | None = None,
    ) -> ServiceDay:
        """The festival's day, with what the command line changed. A small day takes longer
        steps: each step costs the routers' commits whatever it holds, so a few hundred
        contacts in 1,440 one-minute steps would be all fixed cost."""
        d = cls()
        count = d.contacts if contacts is None else contacts
        return cls(
            count,
            d.agents if agents is None else agents,
            d.self_service if self_service is None else self_service,
            tick=max(1, min(15, math.ceil(24 * 60 * CONTACTS_PER_STEP / max(1, count)))),
            seed=d.seed if seed is None else seed,
        )


async def simulate_service_day(settings: Settings, plan: ServiceDay, console: Console) -> int:
    """Run the day on a throw-away SQLite file (unless a database was named), print its
    report; 0 when every check holds, else 1."""
    with rehearsal_database(settings) as chosen:
        console.print(
            f"A service day: {plan.contacts:,} contacts, {plan.agents:,} agents,"
            f" {plan.self_service:.0%} self-service...",
            highlight=False,
        )
        report = await rehearse_service_day(chosen, plan)
    show(console, report)
    return 0 if report.ok else 1


def arrivals(contacts: int, rng: random.Random) -> list[float]:
    """Seconds into the day: 30 % in the first hour, the rest decaying over the next 23."""
    first = int(contacts * 0.3)
    times = [rng.uniform(0, 3600) for _ in range(first)]
    scale = 6 * 3600  # an exponential decay of six hours, cut at the day's end
    cut = 1 - math.exp(-23 * 3600 / scale)
    times += [3600 - scale * math.log(1 - rng.random() * cut) for _ in range(contacts - first)]
    return sorted(times)


async def rehearse_service_day(settings: Settings, plan: ServiceDay) -> ServiceDayReport:
    """The day on the database ``settings`` name (brought to head), then its report."""
    await upgrade_database(settings.database_url)
    clock = ManualClock(DAY)
    shop = await build_shop(settings, clock=clock)  # not started: the day drives the desk
    try:
        await set_up(shop, plan.agents)
        return await the_day(shop, clock, plan)
    finally:
        await shop.aclose()


async def set_up(shop: Shop, agents: int) -> None:
    await shop.catalog.add_markets(MARKETS)
    desk = shop.desk
    await desk.setup.set_sla_policy("festival", {"*": (30, 60, 240)})
    week = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for market in MARKETS:
        await desk.setup.set_calendar(market.code, week)
    topics = [t.value for t in Topic]
    for code, market_code, language in QUEUES:
        await desk.setup.add_queue(code, market_code, language, topics, "festival")
    await desk.setup.add_macro(
        MACRO,
        "Where is my order",
        "Case {{ case.number }}: your order is on its way; we wrote to {{ customer.email }}.",
        "solved",
    )
    # Agents straight into the record: 1,800 staff accounts' password hashes are not the point.
    for n in range(agents):
        _, market_code, language = QUEUES[n % len(QUEUES)]
        agent = DeskAgent(
            f"stf_{n:05d}",
            market_code,
            frozenset({language}),
            frozenset(Topic),
            CAPACITY,
            AgentStatus.AVAILABLE,
            DAY - timedelta(minutes=n % 60),
        )
        event = CaseEvent(
            CaseEventKind.AGENT, DAY, "admin", market_code, None, {"agent": agent.staff_id}
        )
        await shop.store.put_desk_agent(agent, event)


async def the_day(shop: Shop, clock: ManualClock, plan: ServiceDay) -> ServiceDayReport:
    desk = shop.desk
    rng = random.Random(plan.seed)
    times = arrivals(plan.contacts, rng)
    deflected = 0
    waiting: dict[str, str] = {}  # routed case id -> its market, nobody assigned yet
    in_hand: list[tuple[datetime, str]] = []  # (assigned at, case id)
    started = time.perf_counter()
    index = minute = 0
    last_sweep = DAY
    while index < len(times) or in_hand or waiting:
        now = DAY + timedelta(minutes=minute)
        clock.set(now)
        upto = (minute + plan.tick) * 60
        batch: list[int] = []
        while index < len(times) and times[index] < upto:
            batch.append(index)
            index += 1
        # The replies to the cases in hand for the handle time go with this minute's
        # contacts, as at a desk where both happen at once: their writes share commits.
        done = [case_id for at, case_id in in_hand if now - at >= HANDLE]
        in_hand = [(at, case_id) for at, case_id in in_hand if now - at < HANDLE]
        for answers in await both(desk, batch, done, rng, plan.self_service):
            for case_id, market in answers:
                if case_id is None:
                    deflected += 1
                else:
                    waiting[case_id] = market
        await desk.route()
        # Who took what, from the routers' boards (the record says the same: the routers'
        # tests hold them to it).
        taken = [c for c, market in waiting.items() if assignee(desk, market, c) is not None]
        for case_id in taken:
            del waiting[case_id]
        in_hand += [(now, case_id) for case_id in taken]
        if now - last_sweep >= SWEEP_EVERY:
            await desk.sweeper.sweep()
            last_sweep = now
        minute += plan.tick
    await desk.drain()
    wall = time.perf_counter() - started
    routers = list({id(r): r for r in (desk.router(m) for _, m, _ in QUEUES)}.values())
    end = DAY + timedelta(minutes=minute)
    figures = await desk.stats.figures(DAY, max(end, DAY + timedelta(days=1)), market=None)
    return checked(
        plan_contacts=plan.contacts,
        plan_self_service=plan.self_service,
        agents=plan.agents,
        wall_seconds=wall,
        simulated_minutes=minute,
        routed=sum(r.assigned for r in routers),
        deciding_seconds=sum(r.deciding_seconds for r in routers),
        deflected=deflected,
        # Occupancy as a call centre counts it: the work handled (cases times the handle
        # time) over the agents' time; not time in hand, which a coarse step stretches.
        busy_agent_minutes=sum(r.assigned for r in routers) * HANDLE / timedelta(minutes=1),
        breaches=desk.sweeper.breaches,
        figures=figures,
    )


async def both(
    desk: Desk, contacts: list[int], replies: list[str], rng: random.Random, self_service: float
) -> list[list[tuple[str | None, str]]]:
    """A minute's contacts and replies, ``CONCURRENCY`` of each in flight at once; the
    contacts' answers, a list a round."""
    rounds = []
    for start in range(0, max(len(contacts), len(replies)), CONCURRENCY):
        chunk = contacts[start : start + CONCURRENCY]
        answers, _ = await asyncio.gather(
            asyncio.gather(*(contact(desk, n, rng.random() < self_service) for n in chunk)),
            asyncio.gather(
                *(
                    desk.work.reply(None, c, macro=MACRO)
                    for c in replies[start : start + CONCURRENCY]
                )
            ),
        )
        rounds.append(answers)
    return rounds


def assignee(desk: Desk, market: str, case_id: str) -> str | None:
    board = desk.router(market).board
    return None if board is None else board.assignee_of(case_id)


async def contact(desk: Desk, n: int, self_served: bool) -> tuple[str | None, str]:
    """The case routed to a person (its id and market), or None when the record answered."""
    _, market, language = QUEUES[n % len(QUEUES)]
    customer = f"cus_{n:08d}"
    case = await desk.cases.open(
        Opening(
            customer,
            f"fan{n}@mi.example",
            market,
            language,
            "product" if self_served else "delivery",
            "我抢到了吗?" if self_served else "where is my order?",
            channel=Channel.WEB,
        )
    )
    if case.awaiting_verdict:
        await desk.cases.accept_answer(customer, case.id)
        return None, market
    return case.id, market
