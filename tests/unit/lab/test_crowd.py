"""The crowd's pure parts: plans, tallies, the server clock, and the checks it makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from flashsale.lab.crowd.behaviour import CrowdPlan, assign_plans
from flashsale.lab.crowd.client import Reply
from flashsale.lab.crowd.fan import refusal_outcome
from flashsale.lab.crowd.invariants import SeenOrder, Violation, check
from flashsale.lab.crowd.loopback import require_loopback
from flashsale.lab.crowd.outcomes import CrowdLog, Outcome, Reservation, percentile
from flashsale.lab.crowd.server_clock import ServerClock

T0 = datetime(2015, 5, 19, 8, 30, tzinfo=UTC)


def seen(order_id: str, customer: str, status: str | None, quantity: int = 1) -> SeenOrder:
    return SeenOrder(order_id, customer, quantity, status)


def kinds(violations: Sequence[Violation]) -> list[str]:
    return [v.kind for v in violations]


# -- invariants ---------------------------------------------------------------------------


def test_a_clean_sale_has_no_violations() -> None:
    orders = [seen(f"ord_{i}", f"cus_{i}", "paid") for i in range(10)]
    assert check(orders, stock_total=10, per_customer_limit=1) == []


def test_a_synthetic_oversell_is_caught() -> None:
    orders = [seen(f"ord_{i}", f"cus_{i}", "reserved" if i % 2 else "paid") for i in range(11)]
    violations = check(orders, stock_total=10, per_customer_limit=1)
    assert kinds(violations) == ["oversold"]
    assert "11 units" in violations[0].detail


def test_expired_units_sold_again_are_not_an_oversell() -> None:
    orders = [seen(f"ord_{i}", f"cus_{i}", "paid") for i in range(10)]
    orders += [seen(f"ord_x{i}", f"cus_x{i}", "expired") for i in range(5)]
    assert check(orders, stock_total=10, per_customer_limit=1) == []


def test_a_customer_over_the_limit_is_caught() -> None:
    orders = [seen("ord_1", "cus_a", "paid"), seen("ord_2", "cus_a", "reserved")]
    violations = check(orders, stock_total=10, per_customer_limit=1)
    assert kinds(violations) == ["over the limit"]
    assert "cus_a" in violations[0].detail


def test_a_released_order_does_not_count_against_the_limit() -> None:
    orders = [seen("ord_1", "cus_a", "cancelled"), seen("ord_2", "cus_a", "paid")]
    assert check(orders, stock_total=10, per_customer_limit=1) == []


def test_an_acknowledged_order_the_server_does_not_know_is_caught() -> None:
    orders = [seen("ord_1", "cus_a", None)]
    assert kinds(check(orders, stock_total=10, per_customer_limit=1)) == [
        "acknowledged but missing"
    ]


def test_a_replayed_acknowledgement_counts_once() -> None:
    orders = [seen("ord_1", "cus_a", "paid"), seen("ord_1", "cus_a", "paid")]
    assert check(orders, stock_total=1, per_customer_limit=1) == []


def test_one_order_acknowledged_to_two_customers_is_caught() -> None:
    orders = [seen("ord_1", "cus_a", "paid"), seen("ord_1", "cus_b", "paid")]
    assert "one order, two buyers" in kinds(check(orders, stock_total=5, per_customer_limit=1))


def test_quantities_count_units_not_orders() -> None:
    orders = [seen("ord_1", "cus_a", "paid", quantity=3), seen("ord_2", "cus_b", "paid", 3)]
    assert kinds(check(orders, stock_total=5, per_customer_limit=3)) == ["oversold"]


# -- plans ------------------------------------------------------------------------------


def test_plans_follow_the_shares_exactly() -> None:
    plan = CrowdPlan(abandon_share=0.1, declined_share=0.05, return_share=0.5, seed=7)
    plans = assign_plans(300, plan)
    assert len(plans) == 300
    assert sum(p.abandons for p in plans) == 30
    assert sum(p.declined_first for p in plans) == 15
    assert sum(p.returns for p in plans) == 150


def test_plans_are_reproducible_with_a_seed() -> None:
    plan = CrowdPlan(seed=42)
    assert assign_plans(100, plan) == assign_plans(100, plan)


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_a_share_outside_zero_and_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="abandon_share"):
        CrowdPlan(abandon_share=share)


# -- tallies ----------------------------------------------------------------------------


def reservation(after: float, *, second_chance: bool = False, quantity: int = 1) -> Reservation:
    return Reservation(
        order_id=f"ord_{after}",
        customer_id=f"cus_{after}",
        quantity=quantity,
        expires_at=T0,
        after_opening=after,
        second_chance=second_chance,
    )


def test_sold_out_time_is_when_the_first_wave_took_the_last_unit() -> None:
    log = CrowdLog(fans=10, stock_total=3)
    for after in (0.1, 0.2):
        log.reserved(reservation(after))
    assert log.sold_out_after is None
    log.reserved(reservation(0.35))
    assert log.sold_out_after == 0.35
    log.reserved(reservation(12.0, second_chance=True))
    assert log.sold_out_after == 0.35
    assert log.reserved_units == 4


def test_second_chances_do_not_make_a_sell_out() -> None:
    log = CrowdLog(fans=10, stock_total=2)
    log.reserved(reservation(0.1))
    log.reserved(reservation(9.0, second_chance=True))
    assert log.sold_out_after is None


def test_purchases_per_second_counts_the_last_window() -> None:
    log = CrowdLog(fans=10, stock_total=100, opened_at=1000.0)
    for after in (0.1, 0.5, 1.2, 1.4, 1.9):
        log.reserved(reservation(after))
    assert log.purchases_per_second(now=1002.0) == 3.0
    assert log.purchases_per_second(now=1002.0, window=2.0) == 2.5
    assert log.purchases_per_second(now=1010.0) == 0.0


def test_elapsed_counts_down_to_the_opening_then_up() -> None:
    log = CrowdLog(fans=1, opened_at=500.0)
    assert log.elapsed(now=497.5) == -2.5
    assert log.elapsed(now=503.0) == 3.0


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([], 0.5) is None


# -- answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "problem_type", "outcome"),
    [
        (409, "/problems/sold-out", Outcome.SOLD_OUT),
        (409, "/problems/insufficient-stock", Outcome.SOLD_OUT),
        (409, "/problems/limit-reached", Outcome.LIMIT_REACHED),
        (410, "/problems/sale-closed", Outcome.CLOSED),
        (403, "/problems/not-registered", Outcome.NOT_REGISTERED),
        (500, "/problems/internal-error", Outcome.FAILED),
    ],
)
def test_refusals_map_to_outcomes(status: int, problem_type: str, outcome: Outcome) -> None:
    assert refusal_outcome(Reply(status, {"type": problem_type})) is outcome


# -- the server's clock and the loopback guard ----------------------------------------------


def test_server_clock_assumes_the_midpoint_of_the_round_trip() -> None:
    sent = T0
    received = T0 + timedelta(milliseconds=200)
    server_time = T0 + timedelta(seconds=5, milliseconds=100)
    clock = ServerClock.from_exchange(sent, received, server_time)
    assert clock.offset == timedelta(seconds=5)


def test_server_clock_trusts_the_quickest_round_trip() -> None:
    # The first read waited 1.2 s before the server saw it (the client starting up): its
    # midpoint would put the server 0.6 s ahead of where it is.
    slow = (T0, T0 + timedelta(seconds=1.2), T0 + timedelta(seconds=1.2))
    quick = (
        T0 + timedelta(seconds=2),
        T0 + timedelta(seconds=2, milliseconds=2),
        T0 + timedelta(seconds=2, milliseconds=1),
    )
    assert ServerClock.from_quickest([slow, quick]).offset == timedelta(0)
    assert ServerClock.from_quickest([quick, slow]).offset == timedelta(0)
    with pytest.raises(ValueError, match="at least one exchange"):
        ServerClock.from_quickest([])


def test_server_clock_counts_down_to_a_moment() -> None:
    clock = ServerClock(timedelta(seconds=-30))
    opening = datetime.now(UTC) - timedelta(seconds=20)
    assert 9.0 < clock.seconds_until(opening) <= 10.0


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:1/", "http://[::1]:80", "http://127.0.0.5"]
)
def test_loopback_addresses_are_accepted(url: str) -> None:
    assert require_loopback(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://10.0.0.1:8000", "https://mi.com", "http://0.0.0.0:80"])
def test_load_is_never_sent_off_this_machine(url: str) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        require_loopback(url)
