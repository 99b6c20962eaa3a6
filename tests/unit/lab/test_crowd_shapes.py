"""The crowd's shape and its figures: arrival curves, arrival order, merged logs, client load."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flashsale.lab.crowd.arrival_order import arrival_order, pooled, ranks, spearman
from flashsale.lab.crowd.arrivals import (
    ArrivalCurve,
    ArrivalError,
    ArrivalKind,
    read_recording,
    resample,
)
from flashsale.lab.crowd.behaviour import CrowdPlan, assign_plans
from flashsale.lab.crowd.client import Reply
from flashsale.lab.crowd.load_probe import ClientLoad, LoadProbe, bottleneck
from flashsale.lab.crowd.outcomes import CrowdLog, Reservation, merge_logs, sold_out_time
from flashsale.lab.crowd.processes import LiveView, combined_loads, progress_of

T0 = datetime(2015, 5, 19, 4, 30, tzinfo=UTC)

# -- arrival curves ------------------------------------------------------------------------


def test_a_surge_is_mostly_at_the_opening_with_a_long_tail() -> None:
    curve = ArrivalCurve(ArrivalKind.SURGE, surge_share=0.8, surge_seconds=0.5, tail_seconds=10)
    offsets = curve.offsets(10_000, random.Random(1))
    early = sum(1 for offset in offsets if offset < 2.0) / len(offsets)
    assert 0.8 < early < 0.9  # the surge, plus the first of the tail
    assert max(offsets) > 30  # the tail is long
    assert min(offsets) >= 0


def test_a_steady_stream_spreads_evenly_over_its_window() -> None:
    offsets = ArrivalCurve(ArrivalKind.STEADY, window_seconds=10).offsets(10_000, random.Random(2))
    assert min(offsets) >= 0 and max(offsets) <= 10
    assert statistics.mean(offsets) == pytest.approx(5, abs=0.2)


def test_a_recording_keeps_its_shape_at_any_crowd_size(tmp_path: Path) -> None:
    path = tmp_path / "arrivals.csv"
    path.write_text("offset,who\n# the opening second\n100.0,a\n100.5,b\n\n101,c\n110,d\n")
    recorded = read_recording(path)
    assert recorded == (0.0, 0.5, 1.0, 10.0)
    assert resample(recorded, 8) == [0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 10.0, 10.0]
    curve = ArrivalCurve(ArrivalKind.RECORDED, recorded=recorded)
    assert sorted(curve.offsets(4, random.Random(3))) == [0.0, 0.5, 1.0, 10.0]


def test_a_bad_recording_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "arrivals.txt"
    path.write_text("1.0\nsoon\n")
    with pytest.raises(ArrivalError, match="not a number"):
        read_recording(path)
    with pytest.raises(ArrivalError):
        read_recording(tmp_path / "missing.txt")
    with pytest.raises(ArrivalError):
        ArrivalCurve(ArrivalKind.RECORDED)


def test_plans_draw_arrivals_think_times_and_exactly_the_abusive_share() -> None:
    plan = CrowdPlan(abusive_share=0.1, think_seconds=1.0, seed=7)
    plans = assign_plans(200, plan)
    assert sum(p.abusive for p in plans) == 20
    assert statistics.mean(p.thinks_for for p in plans) == pytest.approx(1.0, rel=0.3)
    assert len({p.arrives_after for p in plans}) == 200
    assert all(p.thinks_for == 0 for p in assign_plans(5, CrowdPlan(think_seconds=0)))


# -- arrival order -------------------------------------------------------------------------


def test_a_perfect_queue_serves_the_earliest_in_order() -> None:
    clicks = [(0.1, 0.5), (0.2, 0.6), (0.3, 0.7), (0.4, None), (0.5, None)]
    order = arrival_order(clicks)
    assert (order.winners, order.winners_among_first, order.early_share) == (3, 3, 1.0)
    assert order.lottery_share == pytest.approx(0.6)
    assert order.served_in_order == pytest.approx(1.0)


def test_late_winners_and_reversed_service_show() -> None:
    clicks = [(0.1, None), (0.2, 0.9), (0.3, 0.8), (0.4, 0.7)]
    order = arrival_order(clicks)
    assert order.winners_among_first == 2  # of the first three clickers, two won
    assert order.served_in_order == pytest.approx(-1.0)
    assert arrival_order([]).early_share is None
    both = pooled([order, arrival_order([(0.0, 0.1), (0.1, 0.2)])])
    assert (both.winners, both.winners_among_first) == (5, 4)


def test_ranks_share_ties_and_spearman_needs_two_pairs() -> None:
    assert ranks([3.0, 1.0, 3.0]) == [2.5, 1.0, 2.5]
    assert spearman([1.0], [2.0]) is None
    assert spearman([1.0, 1.0], [1.0, 2.0]) is None


# -- replies -------------------------------------------------------------------------------


def test_answers_are_labelled_by_status_and_problem() -> None:
    assert Reply(201, {"order_id": "o"}).answer == "201"
    assert Reply(409, {"type": "https://x/problems/sold-out"}).answer == "409 sold-out"
    assert Reply(0, {"detail": "reset"}).answer == "no answer"


# -- merged logs and the live view --------------------------------------------------------


def _reservation(n: int, after: float, *, second: bool = False) -> Reservation:
    return Reservation(f"ord_{n}", f"cus_{n}", 1, T0, after, second)


def test_logs_of_client_processes_merge_into_one_sale() -> None:
    one, two = CrowdLog(fans=3, stock_total=3, opened_at=100.0), CrowdLog(fans=2, stock_total=3)
    two.opened_at = 100.0
    one.reserved(_reservation(1, 0.3))
    two.reserved(_reservation(2, 0.1))
    two.reserved(_reservation(3, 0.2))
    one.reserved(_reservation(4, 9.0, second=True))
    one.took("purchase", 0.01, "201")
    two.took("purchase", 0.02, "201")
    assert one.sold_out_after is None and two.sold_out_after is None  # neither saw it all
    merged = merge_logs([one, two])
    assert merged.fans == 5 and merged.units_reserved == 4
    assert merged.sold_out_after == 0.3
    assert sorted(merged.latencies["purchase"]) == [0.01, 0.02]
    assert sold_out_time(merged.reservations, 4) is None  # the second chance does not count


def test_the_live_view_adds_up_every_client_and_sale() -> None:
    view = LiveView(CrowdLog(fans=0))
    for shard in range(2):
        log = CrowdLog(fans=5, stock_total=2, opened_at=50.0)
        log.reserved(_reservation(shard, 0.1))
        view.update(progress_of(shard, 0, log))
    assert view.log.units_reserved == 2 and view.log.stock_total == 2
    assert view.log.sold_out_after is not None


def test_the_live_view_waits_for_the_opening_and_every_sale_before_saying_sold_out() -> None:
    view = LiveView(CrowdLog(fans=0), rounds=2)
    view.update(progress_of(0, 0, CrowdLog(fans=5)))  # before the client read its sale
    assert view.log.sold_out_after is None
    first = CrowdLog(fans=5, stock_total=1, opened_at=50.0)
    first.reserved(_reservation(0, 0.1))
    view.update(progress_of(0, 0, first))
    assert view.log.sold_out_after is None  # the second sale has not been heard of yet
    second = CrowdLog(fans=5, stock_total=1, opened_at=60.0)
    view.update(progress_of(0, 1, second))
    assert view.log.sold_out_after is None  # heard of, not sold out
    second.reserved(_reservation(1, 0.2))
    view.update(progress_of(0, 1, second))
    assert view.log.sold_out_after is not None


# -- client load ---------------------------------------------------------------------------


def test_a_saturated_or_lagging_client_is_named_the_bottleneck() -> None:
    calm = ClientLoad(
        pid=1,
        fans=10,
        wall_seconds=10,
        cpu_seconds=3,
        loop_lag_p99_seconds=0.01,
        loop_lag_max_seconds=0.02,
    )
    busy = ClientLoad(
        pid=2,
        fans=10,
        wall_seconds=10,
        cpu_seconds=9.8,
        loop_lag_p99_seconds=0.3,
        loop_lag_max_seconds=0.5,
        loop_lag_own_p99_seconds=0.25,
    )
    assert bottleneck([calm]) == []
    reasons = bottleneck([calm, busy])
    assert len(reasons) == 2 and all("client process 2" in reason for reason in reasons)
    assert [load.pid for load in combined_loads([busy, calm, busy])] == [1, 2]


def test_a_loop_late_only_for_want_of_a_core_is_not_the_bottleneck() -> None:
    crowded_machine = ClientLoad(
        pid=3,
        fans=10,
        wall_seconds=10,
        cpu_seconds=2,
        loop_lag_p99_seconds=0.3,
        loop_lag_max_seconds=0.5,
        loop_lag_own_p99_seconds=0.01,
    )
    assert bottleneck([crowded_machine]) == []
    saturated_second = dataclasses.replace(crowded_machine, cpu_peak_share=0.97)
    assert bottleneck([saturated_second]) == [
        "client process 3 used 97% of a core in its busiest second"
    ]


async def test_the_probe_sees_a_blocked_event_loop() -> None:

    async with LoadProbe(1) as probe:
        await asyncio.sleep(0.06)
        busy_until = time.perf_counter() + 0.2  # a client stuck in CPU work: its loop is late
        while time.perf_counter() < busy_until:
            pass
        await asyncio.sleep(0.06)
    assert probe.load is not None
    assert probe.load.loop_lag_max_seconds >= 0.1
    # CPU time, not wall time: on a machine shared with other tests, only part of the 0.2 s.
    assert probe.load.cpu_seconds > 0.02
    assert probe.load.loop_lag_own_p99_seconds > 0.02
