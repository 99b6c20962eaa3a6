"""The rehearsal's pure parts: scenarios and their scaling, the report and its verdict."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flashsale.lab.crowd.fan import SaleTerms
from flashsale.lab.crowd.invariants import SeenOrder, Violation
from flashsale.lab.crowd.outcomes import CrowdLog, Outcome, Reservation
from flashsale.lab.crowd.simulation import CrowdReport
from flashsale.lab.rehearsal.report import (
    SaleFindings,
    build_report,
    combined_audit,
    evidence,
    throughput,
    with_rehearsal_checks,
)
from flashsale.lab.rehearsal.scenario import (
    MI_BAND_INDIA,
    QUICK,
    ScenarioError,
    chosen,
    countdown_for,
    scaled,
    split,
)
from flashsale.lab.rehearsal.settle import MAX_WAIT_SECONDS, SWEEP_MARGIN_SECONDS, settle_deadline

T0 = datetime(2015, 5, 19, 8, 30, tzinfo=UTC)

# -- scenarios ----------------------------------------------------------------------------


def test_the_record_day_is_ten_thousand_bands() -> None:
    scenario = chosen("mi-band-india")
    assert (scenario.stock, scenario.fans, scenario.limit) == (10_000, 200_000, 1)
    assert scenario.opens_in_seconds == countdown_for(200_000)


def test_scaling_scales_fans_and_stock_and_fits_the_countdown() -> None:
    tenth = scaled(MI_BAND_INDIA, 0.1)
    assert (tenth.stock, tenth.fans, tenth.scale) == (1_000, 20_000, 0.1)
    assert tenth.opens_in_seconds == countdown_for(20_000) < MI_BAND_INDIA.opens_in_seconds
    assert scaled(tenth, 0.5).scale == pytest.approx(0.05)


def test_scaling_never_goes_below_one_fan_and_one_unit() -> None:
    tiny = scaled(QUICK, 0.0001)
    assert (tiny.stock, tiny.fans) == (1, 1)
    with pytest.raises(ScenarioError):
        scaled(QUICK, 0)


def test_a_bigger_crowd_gets_a_longer_countdown() -> None:
    assert countdown_for(10) < countdown_for(100_000) < countdown_for(400_000)
    crowded = chosen("quick", fans=100_000)
    assert crowded.opens_in_seconds == countdown_for(100_000)
    assert chosen("quick", fans=100_000, opens_in_seconds=7.5).opens_in_seconds == 7.5


def test_options_given_override_the_preset_and_none_leaves_it() -> None:
    scenario = chosen("quick", stock=7, limit=2, abandon_share=0.0, retry_share=None)
    assert (scenario.stock, scenario.limit, scenario.abandon_share) == (7, 2, 0.0)
    assert scenario.retry_share == QUICK.retry_share
    assert scenario.fans == QUICK.fans


@pytest.mark.parametrize(
    "overrides",
    [{"abandon_share": 1.5}, {"retry_share": -0.1}, {"stock": 0}, {"payment_window_seconds": 0}],
)
def test_out_of_range_parameters_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ScenarioError):
        chosen("quick", **overrides)


def test_an_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match="fan-festival, mi-band-india, quick"):
        chosen("diwali")


# -- report -------------------------------------------------------------------------------


def reservation(order: int, after: float, *, second: bool = False) -> Reservation:
    return Reservation(
        order_id=f"ord_{order}",
        customer_id=f"cus_{order}",
        quantity=1,
        expires_at=T0 + timedelta(seconds=10 + after),
        after_opening=after,
        second_chance=second,
    )


def crowd_report(
    reservations: Sequence[Reservation],
    statuses: Sequence[str | None],
    *,
    stock: int,
    paid_told: int,
    violations: Sequence[Violation] = (),
) -> CrowdReport:
    log = CrowdLog(fans=len(reservations) + 5, stock_total=stock)
    for r in reservations:
        log.reserved(r)
        log.took("purchase", 0.010 + r.after_opening / 100)
    log.paid_units = paid_told
    log.outcomes[Outcome.PAID] = paid_told
    log.outcomes[Outcome.SOLD_OUT] = 5
    log.purchase_replies[201] = len(reservations)
    terms = SaleTerms("sale_1", stock, 1, T0, T0 + timedelta(hours=1), 10.0)
    seen = [
        SeenOrder(r.order_id, r.customer_id, r.quantity, status)
        for r, status in zip(reservations, statuses, strict=True)
    ]
    return CrowdReport(terms, log, seen, list(violations))


def audit(*, paid: int, reserved: int = 0, stock: int = 4, clean: bool = True) -> dict[str, Any]:
    sold = paid + reserved
    return {
        "sale_id": "sale_1",
        "stock_total": stock,
        "stock_left": max(0, stock - sold),
        "gate_stock_left": max(0, stock - sold),
        "reserved": reserved,
        "paid": paid,
        "expired": 0,
        "cancelled": 0,
        "oversold": max(0, sold - stock),
        "customers_over_limit": 0,
        "orders_without_payment_match": 0,
        "conservation_ok": sold <= stock,
        "clean": clean,
    }


def report_of(crowd: CrowdReport, audit_body: dict[str, Any]) -> Any:
    return build_report(
        scenario=QUICK,
        target="in-process",
        started_at=T0,
        wall_seconds=3.0,
        sales=[SaleFindings(with_rehearsal_checks(crowd), audit_body)],
        clients=0,
    )


def test_throughput_counts_the_first_wave_up_to_the_sell_out() -> None:
    crowd = crowd_report(
        [reservation(i, 0.5 * (i + 1)) for i in range(4)] + [reservation(9, 12.0, second=True)],
        ["paid"] * 5,
        stock=4,
        paid_told=5,
    )
    assert crowd.log.sold_out_after == 2.0
    assert throughput(crowd.log) == 2.0  # four purchases in two seconds; the late one aside


def test_throughput_without_a_sell_out_runs_to_the_last_purchase() -> None:
    crowd = crowd_report(
        [reservation(1, 0.25), reservation(2, 0.5)], ["paid"] * 2, stock=9, paid_told=2
    )
    assert crowd.log.sold_out_after is None
    assert throughput(crowd.log) == 4.0
    assert throughput(CrowdLog(fans=1)) is None


def test_a_clean_rehearsal_reports_its_figures() -> None:
    crowd = crowd_report(
        [reservation(i, 0.5 * (i + 1)) for i in range(4)], ["paid"] * 4, stock=4, paid_told=4
    )
    report = report_of(crowd, audit(paid=4))
    assert report.ok and report.audit_clean and report.invariants.ok
    assert (report.sold_out, report.sell_out_seconds, report.units_sold) == (True, 2.0, 4)
    assert report.purchases_per_second == 2.0
    assert report.latency["purchase"].count == 4
    assert report.latency["purchase"].p50_ms == pytest.approx(20.0)
    assert report.outcomes == {"paid": 4, "sold out": 5}
    assert report.purchase_replies == {"201": 4}
    assert report.scenario["name"] == "quick"
    assert evidence(report) == []
    assert '"sell_out_seconds":2.0' in report.model_dump_json()


def test_an_oversold_audit_fails_the_rehearsal_with_evidence() -> None:
    crowd = crowd_report(
        [reservation(i, 0.1 * (i + 1)) for i in range(6)],
        ["paid"] * 6,
        stock=4,
        paid_told=6,
        violations=[Violation("oversold", "6 units are held but the stock is 4")],
    )
    report = report_of(crowd, audit(paid=6, clean=False))
    assert not report.ok and not report.audit_clean and not report.invariants.ok
    assert report.units_sold == 6
    lines = evidence(report)
    assert "oversold: 6 units are held but the stock is 4" in lines
    assert "audit: oversold = 2" in lines
    assert any(line.startswith("audit: units not accounted for") for line in lines)


def test_a_payment_the_fans_were_not_told_about_breaks_paid_once() -> None:
    crowd = crowd_report(
        [reservation(i, 0.5 * (i + 1)) for i in range(4)], ["paid"] * 4, stock=4, paid_told=3
    )
    report = report_of(crowd, audit(paid=4))
    assert not report.ok and report.audit_clean
    assert [v.kind for v in report.invariants.violations] == ["paid once"]
    assert (report.invariants.units_paid_as_told, report.invariants.units_paid_as_read_back) == (
        3,
        4,
    )


def test_a_replayed_order_counts_once_for_paid_once() -> None:
    twice = [reservation(1, 0.5), reservation(1, 0.6)]
    crowd = crowd_report(twice, ["paid", "paid"], stock=4, paid_told=1)
    assert report_of(crowd, audit(paid=1)).ok


# -- settling -----------------------------------------------------------------------------


def test_settling_waits_for_the_last_due_reservation_but_not_forever() -> None:
    assert settle_deadline([], 10.0, T0) == 0.0
    due_in_4 = [reservation(1, -6.0)]  # expires at T0 + 4 s
    assert settle_deadline(due_in_4, 10.0, T0) == 4.0 + SWEEP_MARGIN_SECONDS
    assert settle_deadline(due_in_4, 2.0, T0) == 2.0 + SWEEP_MARGIN_SECONDS
    assert settle_deadline([reservation(1, -30.0)], 10.0, T0) == SWEEP_MARGIN_SECONDS
    assert settle_deadline([reservation(1, 5000.0)], 9000.0, T0) == MAX_WAIT_SECONDS


def test_fans_registered_in_bulk_need_a_shorter_countdown() -> None:
    over_http = chosen("mi-band-india")
    in_process = chosen("mi-band-india", over_http=False)
    assert in_process.opens_in_seconds == countdown_for(200_000, over_http=False)
    assert in_process.opens_in_seconds < over_http.opens_in_seconds / 10
    assert chosen("mi-band-india", over_http=False, opens_in_seconds=90).opens_in_seconds == 90
    # A countdown shorter than the bulk one is kept: it was given by the preset itself.
    assert chosen("quick", over_http=False).opens_in_seconds == chosen("quick").opens_in_seconds


# -- fan festival, several sales ----------------------------------------------------------


def test_the_fan_festival_is_scaled_from_the_record_day_by_default() -> None:
    festival = chosen("fan-festival")
    assert (festival.stock, festival.fans) == (2_110, 14_600)
    assert festival.sales > 1
    bigger = chosen("fan-festival", 0.01)
    assert (bigger.stock, bigger.fans) == (21_100, 146_000)


def test_split_is_as_even_as_whole_numbers_go() -> None:
    assert split(10, 3) == [4, 3, 3]
    assert sum(split(2_110, 12)) == 2_110


@pytest.mark.parametrize(
    "overrides",
    [
        {"sales": 0},
        {"sales": 101},
        {"arrival": "tsunami"},
        {"arrival": "recorded"},
        {"abusive_share": 2.0},
        {"arrival_file": "x.txt"},
    ],
)
def test_bad_festival_and_crowd_options_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ScenarioError):
        chosen("quick", stock=100, **overrides)


def test_several_audits_add_up_and_are_clean_only_together() -> None:
    first, second = audit(paid=4), audit(paid=5, stock=4, clean=False)
    second["gate_stock_left"] = None
    combined = combined_audit([first, second])
    assert combined["paid"] == 9 and combined["stock_total"] == 8
    assert combined["clean"] is False and combined["gate_stock_left"] is None
    assert combined["sale_id"] == "2 sales"


def test_the_report_carries_fairness_series_and_client_figures() -> None:
    crowd = crowd_report(
        [reservation(i, 0.5 * (i + 1)) for i in range(4)], ["paid"] * 4, stock=4, paid_told=4
    )
    crowd.log.first_clicks.extend([(0.1, 0.5), (0.2, 1.0), (0.3, 1.5), (0.4, 2.0), (0.5, None)])
    report = report_of(crowd, audit(paid=4))
    assert report.arrival_order.early_share == 1.0
    assert report.arrival_order.served_in_order_spearman == pytest.approx(1.0)
    assert report.series.units_sold[-1] == (2.0, 4)
    assert report.series.latency_counts["purchase"]
    assert sum(report.series.latency_counts["purchase"]) == 4
    assert report.client.processes == 0 and not report.client.bottleneck
