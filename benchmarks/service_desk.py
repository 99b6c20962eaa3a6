"""The service desk on the festival's day: a million contacts, 1,800 agents, most answered by
the record, against the naive router measured in the same run.

    python benchmarks/service_desk.py [--contacts 1000000] [--self-service 0.6]
        [--agents 1800] [--database sqlite|postgresql+asyncpg://...] [--baseline 20000]
        [--tick 1] [--agent-api]

A SQLite file (synchronous=FULL, as served), or a PostgreSQL database, brought to head; four
markets, six queues (CN zh and en, IN en and hi, ES es, US en) with ``--agents`` spread over
them (capacity 8, all available), a 24/7 calendar and one SLA policy (first response 30 min).
``--contacts`` arrive over a simulated day on the festival's curve (30 % in the first hour,
the rest decaying over 23 hours), through the desk's own services and a ManualClock,
``--tick`` simulated minutes a step: ``--self-service`` of them ask "did I get one?" (the
record answers: no order, sold out or over the limit) and accept the answer; the others ask
where their order is, are routed by the market's router, and are replied to with a macro that
solves them after a handle time of 4 simulated minutes. The SLA sweeper runs every simulated
15 minutes.

Printed: cases routed per second (assignments over the time the routers spent deciding and
committing them; their whole steps, reading the feed too, are printed beside),
wall time for the day, breaches, deflection, agent utilisation (busy agent-minutes over
agent-minutes while cases were in flight). The baseline routes ``--baseline`` cases the naive
way on the same engine: one transaction per case, the candidate agents read with ``SELECT …
FOR UPDATE`` (on PostgreSQL; SQLite's writer holds the lock the whole transaction) and a
``count(*)`` of each one's open cases, then the case updated. Goals: routing >= 10,000
cases/s (at least 2,000), the day <= 5 min on SQLite (at least <= 20 min), >= 20x the baseline.

With ``--agent-api``, one more agent (a staff member of CN, Chinese, logged in) asks the shop's
own ASGI app, served in this process as ``flashsale serve`` serves it, for
``GET /api/v1/desk/cases?view=mine`` every 50 ms of the day: its latency p50/p99 is printed
(goal: p99 <= 100 ms). The requests wait their turn on the day's one event loop, as they
would on a server that also routes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import random
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Connection, TextClause, text

from flashsale.bootstrap import Shop, build_shop
from flashsale.config import Settings
from flashsale.desk.domain.case import Case, CaseStatus, Channel, Topic
from flashsale.desk.domain.events import CaseEventKind
from flashsale.desk.domain.sla import Priority
from flashsale.kernel.clock import ManualClock
from flashsale.lab.service_day import (
    DAY,
    HANDLE,
    QUEUES,
    arrivals,
    assignee,
    both,
    set_up,
)
from flashsale.platform.sql.migrate import upgrade_database

PASSWORD = "bench-agent-password-2015"


async def agent_client(shop: Shop) -> tuple[httpx.AsyncClient, dict[str, str]]:
    """An agent of the desk, logged in, and a client of the shop's ASGI app in this process."""
    from flashsale.asgi import create_app
    from flashsale.staff.service import StaffSpec

    member = await shop.staff.add(StaffSpec("li@mi.example", PASSWORD, ["agent"], ["CN"], ["zh"]))
    topics = [t.value for t in Topic]
    await shop.desk.setup.add_agent(
        member.id, market="CN", languages=["zh"], topics=topics, capacity=8
    )
    transport = httpx.ASGITransport(app=create_app(shop))
    client = httpx.AsyncClient(transport=transport, base_url="http://desk.bench")
    session = await client.post(
        "/api/v1/staff-sessions", json={"email": "li@mi.example", "password": PASSWORD}
    )
    session.raise_for_status()
    headers = {"Authorization": f"Bearer {session.json()['token']}"}
    online = await client.put(
        "/api/v1/desk/me/status", headers=headers, json={"status": "available"}
    )
    online.raise_for_status()
    return client, headers


async def sample_mine(
    client: httpx.AsyncClient, headers: dict[str, str], latencies: list[float]
) -> None:
    """``GET /api/v1/desk/cases?view=mine`` every 50 ms until cancelled; each one's seconds."""
    while True:
        began = time.perf_counter()
        answer = await client.get("/api/v1/desk/cases?view=mine", headers=headers)
        latencies.append(time.perf_counter() - began)
        answer.raise_for_status()
        await asyncio.sleep(0.05)


async def the_day(
    shop: Shop,
    clock: ManualClock,
    contacts: int,
    self_service: float,
    tick: int = 1,
    latencies: list[float] | None = None,
    api: tuple[httpx.AsyncClient, dict[str, str]] | None = None,
) -> dict[str, float]:
    desk = shop.desk
    kept = [] if latencies is None else latencies
    sampler = None if api is None else asyncio.create_task(sample_mine(*api, kept))
    rng = random.Random(2015)
    times = arrivals(contacts, rng)
    step_seconds = 0.0
    deflected = 0
    busy_minutes = 0.0
    waiting: dict[str, str] = {}  # routed case id -> market, not yet assigned
    in_hand: list[tuple[datetime, str]] = []  # (assigned at, case id)
    started, cpu = time.perf_counter(), time.process_time()
    index = 0
    minute = 0
    last_sweep = DAY
    while index < len(times) or in_hand or waiting:
        now = DAY + timedelta(minutes=minute)
        clock.set(now)
        upto = (minute + tick) * 60
        batch: list[int] = []
        while index < len(times) and times[index] < upto:
            batch.append(index)
            index += 1
        # The replies due go with this minute's contacts (lab/service_day.py says why).
        due = [case_id for at, case_id in in_hand if now - at >= HANDLE]
        in_hand = [(at, case_id) for at, case_id in in_hand if now - at < HANDLE]
        for results in await both(desk, batch, due, rng, self_service):
            for case_id, market in results:
                if case_id is None:
                    deflected += 1
                else:
                    waiting[case_id] = market
        began = time.perf_counter()
        await desk.route()
        step_seconds += time.perf_counter() - began
        # Who took what, from the routers' boards (the record says the same: see the tests).
        fresh = [c for c, market in waiting.items() if assignee(desk, market, c) is not None]
        for case_id in fresh:
            del waiting[case_id]
        in_hand += [(now, case_id) for case_id in fresh]
        busy_minutes += (len(in_hand) + len(due)) * tick
        if now - last_sweep >= timedelta(minutes=15):
            await desk.sweeper.sweep()
            last_sweep = now
        minute += tick
    await desk.route()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if sampler is not None:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    routers = [desk.router(market) for _, market, _ in QUEUES]
    routers = list({id(r): r for r in routers}.values())
    return {
        "wall": wall,
        "cpu": cpu,
        "step_seconds": step_seconds,
        "decide_seconds": sum(r.deciding_seconds for r in routers),
        "routed": sum(r.assigned for r in routers),
        "deflected": deflected,
        "minutes": minute,
        "busy_minutes": busy_minutes,
        "breaches": desk.sweeper.breaches,
    }


async def backlog(shop: Shop, clock: ManualClock, cases: int) -> tuple[int, float]:
    """The routers alone on a backlog: ``cases`` routed cases waiting at once (as after an
    outage), assigned in batches; (assignments, seconds deciding and committing them)."""
    from flashsale.desk.domain.events import event_of
    from flashsale.desk.ports import NewCase

    now = DAY + timedelta(days=1)
    clock.set(now)
    made = []
    for n in range(cases):
        code, market, language = QUEUES[n % len(QUEUES)]
        case = Case(
            f"case_backlog_{n:08d}", f"B{n:07d}", None, "x@mi.example", None, Channel.WEB,
            Topic.DELIVERY, language, market, code, Priority.NORMAL, CaseStatus.NEW, now, now,
            routed_at=now,
        )  # fmt: skip
        made.append(NewCase(case, (), (event_of(case, CaseEventKind.ROUTED, "system", now),)))
    for start in range(0, len(made), 1000):
        await shop.store.add_cases(made[start : start + 1000])
    routers = list({id(r): r for r in (shop.desk.router(m) for _, m, _ in QUEUES)}.values())
    before = sum(r.assigned for r in routers), sum(r.deciding_seconds for r in routers)
    await shop.desk.route()
    assigned = sum(r.assigned for r in routers) - before[0]
    return assigned, sum(r.deciding_seconds for r in routers) - before[1]


async def baseline(shop: Shop, cases: int) -> float:
    """Naive routing: one transaction per case, agents locked and their open cases counted."""
    from flashsale.record.sql_store import SqlStore

    store = shop.store
    assert isinstance(store, SqlStore)
    engine = store.engine
    postgres = engine.dialect.name == "postgresql"
    lock = " FOR UPDATE" if postgres else ""
    now = DAY + timedelta(days=2)
    made = []
    for n in range(cases):
        code, market, language = QUEUES[n % len(QUEUES)]
        made.append(
            Case(
                f"case_naive_{n:08d}", f"Z{n:07d}", None, "x@mi.example", None, Channel.WEB,
                Topic.DELIVERY, language, market, code, Priority.NORMAL, CaseStatus.NEW, now, now,
                routed_at=now,
            )
        )  # fmt: skip
    from flashsale.desk.ports import NewCase

    for start in range(0, len(made), 1000):
        await store.add_cases([NewCase(c) for c in made[start : start + 1000]])
    pick = text(
        "SELECT a.staff_id FROM desk_agents AS a WHERE a.market = :market AND a.status ="
        " 'available' AND a.languages LIKE :language ORDER BY a.staff_id" + lock
    )
    count = text(
        "SELECT count(*) FROM desk_cases WHERE assignee = :agent AND status IN ('new', 'open')"
    )
    assign = text("UPDATE desk_cases SET assignee = :agent WHERE id = :id AND assignee IS NULL")
    began = time.perf_counter()
    for case in made:
        await store._write(functools.partial(_naive_one, case, pick, count, assign))
    return cases / (time.perf_counter() - began)


def _naive_one(
    case: Case, pick: TextClause, count: TextClause, assign: TextClause, conn: Connection
) -> None:
    found = conn.execute(pick, {"market": case.market, "language": f"%{case.language}%"})
    best, least = None, None
    for (agent,) in found.all():
        load = conn.execute(count, {"agent": agent}).scalar_one()
        if load < 8 and (least is None or load < least):
            best, least = agent, load
    if best is not None:
        conn.execute(assign, {"agent": best, "id": case.id})


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    try:
        url = (
            f"sqlite+aiosqlite:///{folder / 'desk.db'}"
            if args.database == "sqlite"
            else args.database
        )
        await upgrade_database(url)
        clock = ManualClock(DAY)
        settings = Settings(
            database_url=url,
            admin_token="bench-admin-token-of-the-desk",
            secret_key="bench-secret-key-of-the-service-desk",
            environment="development",
        )
        shop = await build_shop(settings, clock=clock)
        try:
            await set_up(shop, args.agents)
            api = await agent_client(shop) if args.agent_api else None
            latencies: list[float] = []
            day = await the_day(
                shop, clock, args.contacts, args.self_service, args.tick, latencies, api
            )
            if api is not None:
                await api[0].aclose()
            decide = day["decide_seconds"]
            routing = day["routed"] / decide if decide else 0.0
            agent_minutes = args.agents * day["minutes"]
            print(
                f"contacts            {args.contacts:>12,}  ({args.self_service:.0%} self-service)"
            )
            print(f"wall time, the day  {day['wall']:>12.1f} s  ({args.tick}-minute steps)")
            print(
                f"CPU time, the day   {day['cpu']:>12.1f} s  (this process, every thread:"
                f" {day['cpu'] / args.contacts * 1e6:,.0f} us a contact)"
            )
            print(f"routed              {int(day['routed']):>12,}")
            print(
                f"routing             {routing:>12,.0f} cases/s (deciding and committing"
                f" {decide:.1f} s; the routers' whole steps, feed reads too,"
                f" {day['step_seconds']:.1f} s)"
            )
            if latencies:
                ranked = sorted(latencies)
                p50, p99 = (ranked[int(q * (len(ranked) - 1))] * 1000 for q in (0.5, 0.99))
                print(
                    f"agent API, mine     p50 {p50:,.1f} ms, p99 {p99:,.1f} ms"
                    f"  ({len(ranked):,} requests during the day; goal p99 <= 100 ms)"
                )
            share = day["deflected"] / args.contacts
            print(f"deflected           {int(day['deflected']):>12,}  ({share:.1%})")
            print(f"breaches            {int(day['breaches']):>12,}")
            print(
                f"agent utilisation   {day['busy_minutes'] / agent_minutes:>12.1%}"
                f"  (peak hour: see stats)"
            )
            waiting = args.backlog or args.baseline
            held, seconds = await backlog(shop, clock, waiting)
            print(
                f"routing a backlog   {held / seconds:>12,.0f} cases/s ({held:,} of"
                f" {waiting:,} waiting cases assigned, {seconds:.2f} s)"
            )
            naive = await baseline(shop, args.baseline)
            print(f"baseline (naive)    {naive:>12,.0f} cases/s over {args.baseline:,} cases")
            print(f"ratio               {routing / naive:>12.1f}x  (goal >= 20x)")
            print(f"ratio, backlog      {held / seconds / naive:>12.1f}x")
        finally:
            await shop.aclose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--self-service", type=float, default=0.6)
    parser.add_argument("--agents", type=int, default=1800)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--backlog", type=int, default=0, help="waiting cases (--baseline)")
    parser.add_argument("--database", default="sqlite")
    parser.add_argument(
        "--agent-api",
        action="store_true",
        help="an agent asks GET /api/v1/desk/cases?view=mine every 50 ms: p50/p99",
    )
    parser.add_argument(
        "--tick", type=int, default=1, help="simulated minutes a step: arrivals, routing, replies"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
