"""The crowd of one or more sales spread over client processes, their findings merged.

One Python process with one event loop tops out at a few thousand requests per second; a
record-day crowd needs more, and must not share a core's time with the server it measures.
``clients=0`` keeps the crowd in this process (small runs, the demo); ``clients=N`` starts N
processes (spawned, not forked: the parent runs an event loop and threads), each with its own
event loop and one aiohttp keep-alive pool, each taking every N-th fan of every sale. They
report progress for the live board a few times a second, and at the end everything they saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import multiprocessing
import queue as queue_module
import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import uvloop

from flashsale.lab.crowd.behaviour import CrowdPlan, FanPlan, assign_plans
from flashsale.lab.crowd.fan import Fan, SaleTerms
from flashsale.lab.crowd.invariants import SeenOrder
from flashsale.lab.crowd.load_probe import ClientLoad
from flashsale.lab.crowd.outcomes import BUCKET_SECONDS, RECENT_LATENCIES, CrowdLog, merge_logs
from flashsale.lab.crowd.simulation import Crowd, CrowdError, CrowdReport, judged

PROGRESS_SECONDS = 0.25
# The live board needs the last second or two of the timeline, not the whole of it.
RECENT_BUCKETS = math.ceil(3 / BUCKET_SECONDS)


@dataclass(frozen=True, slots=True)
class Round:
    """One sale and the fans who shop at it."""

    sale_id: str
    fans: Sequence[Fan]


@dataclass(frozen=True, slots=True)
class Progress:
    """One client's log of one sale, as much of it as the live board shows."""

    shard: int
    round: int
    phase: str
    opened_at: float | None
    stock_total: int
    fans: int
    registered: int
    units_reserved: int
    first_wave_units: int
    paid_units: int
    outcomes: Counter[Any]
    timeline: dict[tuple[int, str, str], int]
    purchase_latencies: list[float]


@dataclass(frozen=True, slots=True)
class _Job:
    shard: int
    base_url: str
    plan: CrowdPlan
    rounds: list[tuple[str, list[Fan], list[FanPlan]]]


@dataclass(frozen=True, slots=True)
class _Done:
    shard: int
    findings: list[tuple[SaleTerms, CrowdLog, list[SeenOrder], ClientLoad | None]]


@dataclass(frozen=True, slots=True)
class _Failed:
    shard: int
    error: str


def progress_of(shard: int, round_index: int, log: CrowdLog) -> Progress:
    recent = -1
    if log.opened_at is not None:
        recent = math.floor(log.elapsed() / BUCKET_SECONDS) - RECENT_BUCKETS
    return Progress(
        shard=shard,
        round=round_index,
        phase=log.phase,
        opened_at=log.opened_at,
        stock_total=log.stock_total,
        fans=log.fans,
        registered=log.registered,
        units_reserved=log.units_reserved,
        first_wave_units=log.first_wave_units,
        paid_units=log.paid_units,
        outcomes=Counter(log.outcomes),
        timeline={key: n for key, n in list(log.timeline.items()) if key[0] >= recent},
        purchase_latencies=log.recent_latencies(),
    )


@dataclass(slots=True)
class LiveView:
    """The board's CrowdLog, rebuilt from every client's latest progress."""

    log: CrowdLog
    rounds: int = 1  # sales in the rehearsal: sold out means every one of them
    latest: dict[tuple[int, int], Progress] = field(default_factory=dict)

    def update(self, progress: Progress) -> None:
        self.latest[(progress.shard, progress.round)] = progress
        items = list(self.latest.values())
        log = self.log
        openings = [p.opened_at for p in items if p.opened_at is not None]
        log.opened_at = min(openings) if openings else None
        stock_by_round = {p.round: p.stock_total for p in items}
        log.stock_total = sum(stock_by_round.values())
        log.registered = sum(p.registered for p in items)
        log.units_reserved = sum(p.units_reserved for p in items)
        log.paid_units = sum(p.paid_units for p in items)
        log.outcomes = sum((p.outcomes for p in items), Counter())
        phases = Counter(p.phase for p in items)
        log.phase = phases.most_common(1)[0][0]
        timeline: Counter[tuple[int, str, str]] = Counter()
        for p in items:
            shift = 0
            if p.opened_at is not None and log.opened_at is not None:
                shift = round((p.opened_at - log.opened_at) / BUCKET_SECONDS)
            for (bucket, call, answer), count in p.timeline.items():
                timeline[(bucket + shift, call, answer)] += count
        log.timeline = timeline
        latencies = [value for p in items for value in p.purchase_latencies]
        log.latencies = {"purchase": latencies[-RECENT_LATENCIES * 2 :]}
        first_wave: Counter[int] = Counter()
        for p in items:
            first_wave[p.round] += p.first_wave_units
        # A client reports before it has read its sale (stock 0) and before the opening: that
        # is not a sell-out, nor is one sale of several sold out.
        stocked = {r: stock for r, stock in stock_by_round.items() if stock}
        if (
            log.sold_out_after is None
            and log.opened_at is not None
            and len(stocked) >= self.rounds
            and all(first_wave[r] >= stock for r, stock in stocked.items())
        ):
            log.sold_out_after = log.elapsed()


def plans_for(rounds: Sequence[Round], plan: CrowdPlan) -> list[list[FanPlan]]:
    """Every sale's fans get their own draw of the shares (seeded per sale when seeded)."""
    return [
        assign_plans(
            len(r.fans),
            plan if plan.seed is None else dataclasses.replace(plan, seed=plan.seed + index),
        )
        for index, r in enumerate(rounds)
    ]


async def run_crowds(
    base_url: str,
    rounds: Sequence[Round],
    plan: CrowdPlan,
    *,
    clients: int,
    view: LiveView,
    server_here: bool,
) -> list[CrowdReport]:
    """One report per sale; ``view.log`` follows along for the live board."""
    plans = plans_for(rounds, plan)
    if clients <= 0:
        return await _in_this_process(base_url, rounds, plans, plan, view, server_here)
    return await _in_processes(base_url, rounds, plans, plan, view, clients)


async def _in_this_process(
    base_url: str,
    rounds: Sequence[Round],
    plans: list[list[FanPlan]],
    plan: CrowdPlan,
    view: LiveView,
    server_here: bool,
) -> list[CrowdReport]:
    crowds = [
        Crowd(
            base_url,
            r.fans,
            plan,
            fan_plans=fan_plans,
            shares_process_with_server=server_here,
        )
        for r, fan_plans in zip(rounds, plans, strict=True)
    ]

    async def follow() -> None:
        while True:
            for index, crowd in enumerate(crowds):
                view.update(progress_of(0, index, crowd.log))
            await asyncio.sleep(PROGRESS_SECONDS)

    follower = asyncio.create_task(follow())
    try:
        reports = await asyncio.gather(
            *(c.run(r.sale_id) for c, r in zip(crowds, rounds, strict=True))
        )
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
    for index, crowd in enumerate(crowds):
        view.update(progress_of(0, index, crowd.log))
    return list(reports)


async def _in_processes(
    base_url: str,
    rounds: Sequence[Round],
    plans: list[list[FanPlan]],
    plan: CrowdPlan,
    view: LiveView,
    clients: int,
) -> list[CrowdReport]:
    jobs = [
        _Job(
            shard=shard,
            base_url=base_url,
            plan=plan,
            rounds=[
                (r.sale_id, list(r.fans[shard::clients]), fan_plans[shard::clients])
                for r, fan_plans in zip(rounds, plans, strict=True)
            ],
        )
        for shard in range(clients)
    ]
    context = multiprocessing.get_context("spawn")
    inbox: multiprocessing.Queue[Progress | _Done | _Failed] = context.Queue()
    workers = [context.Process(target=_client_main, args=(job, inbox)) for job in jobs]
    for worker in workers:
        worker.start()
    done: dict[int, _Done] = {}
    try:
        while len(done) < clients:
            message = await asyncio.to_thread(_next, inbox)
            if isinstance(message, Progress):
                view.update(message)
            elif isinstance(message, _Done):
                done[message.shard] = message
            elif isinstance(message, _Failed):
                raise CrowdError(f"client process {message.shard} failed:\n{message.error}")
            elif any(w.exitcode not in (None, 0) for w in workers):
                raise CrowdError("a client process died without a word (out of memory?)")
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
    return _merged(rounds, done)


def _next(inbox: multiprocessing.Queue[Progress | _Done | _Failed]) -> Any:
    try:
        return inbox.get(timeout=PROGRESS_SECONDS)
    except queue_module.Empty:
        return None


def _merged(rounds: Sequence[Round], done: dict[int, _Done]) -> list[CrowdReport]:
    loads = combined_loads(
        [load for d in done.values() for (*_, load) in d.findings if load is not None]
    )
    reports = []
    for index in range(len(rounds)):
        parts = [d.findings[index] for _, d in sorted(done.items())]
        terms = parts[0][0]
        log = merge_logs([log for _, log, _, _ in parts])
        seen = [order for _, _, orders, _ in parts for order in orders]
        reports.append(judged(terms, log, seen, loads))
    return reports


def combined_loads(loads: Sequence[ClientLoad]) -> list[ClientLoad]:
    """One figure per process: its sales overlap in time, so the busiest window stands."""
    by_pid: dict[int, ClientLoad] = {}
    for load in loads:
        seen = by_pid.get(load.pid)
        if seen is None:
            by_pid[load.pid] = load
            continue
        busier = load if load.cpu_share > seen.cpu_share else seen
        by_pid[load.pid] = dataclasses.replace(
            busier,
            fans=seen.fans + load.fans,
            loop_lag_p99_seconds=max(seen.loop_lag_p99_seconds, load.loop_lag_p99_seconds),
            loop_lag_max_seconds=max(seen.loop_lag_max_seconds, load.loop_lag_max_seconds),
            cpu_peak_share=max(seen.cpu_peak_share, load.cpu_peak_share),
            loop_lag_own_p99_seconds=max(
                seen.loop_lag_own_p99_seconds, load.loop_lag_own_p99_seconds
            ),
            click_delay_p99_seconds=max(seen.click_delay_p99_seconds, load.click_delay_p99_seconds),
        )
    return sorted(by_pid.values(), key=lambda load: load.pid)


def _client_main(job: _Job, outbox: multiprocessing.Queue[Progress | _Done | _Failed]) -> None:
    """A client process: its share of every sale's crowd, on its own uvloop."""
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            outbox.put(runner.run(_client(job, outbox)))
    except BaseException:
        outbox.put(_Failed(job.shard, traceback.format_exc()))


async def _client(job: _Job, outbox: multiprocessing.Queue[Progress | _Done | _Failed]) -> _Done:
    crowds = [
        Crowd(job.base_url, fans, job.plan, fan_plans=fan_plans, shares_process_with_server=False)
        for _, fans, fan_plans in job.rounds
    ]

    async def report_progress() -> None:
        while True:
            for index, crowd in enumerate(crowds):
                outbox.put(progress_of(job.shard, index, crowd.log))
            await asyncio.sleep(PROGRESS_SECONDS)

    reporter = asyncio.create_task(report_progress())
    try:
        observed = await asyncio.gather(
            *(
                crowd.observe(sale_id)
                for crowd, (sale_id, _, _) in zip(crowds, job.rounds, strict=True)
            )
        )
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
    return _Done(
        job.shard,
        [
            (terms, crowd.log, seen, crowd.load)
            for crowd, (terms, seen) in zip(crowds, observed, strict=True)
        ],
    )
