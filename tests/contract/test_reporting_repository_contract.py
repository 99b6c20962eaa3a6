"""The ReportingRepository contract (memory, SQLite, PostgreSQL): facts added up in the
transaction that moves their cursor, read back summed by any dimensions, the rebuild's shadow
swapped in whole, dated rates, targets unique by scope, rehearsal marks."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from flashsale.kernel.errors import Conflict
from flashsale.orders.domain.events import EventCursor
from flashsale.record.store import Store
from flashsale.reporting.domain.facts import WIDTH, FactKey, Measure, SaleProgress
from flashsale.reporting.domain.fx import FxRate
from flashsale.reporting.domain.questions import Dimension, Metric, Rehearsals
from flashsale.reporting.domain.targets import Target
from tests.contract.record_world import T0, order, payment_for, world

DAY = date(2015, 4, 8)
CN_WEB = FactKey(DAY, "CN", "web", "MI4", "CNY", False)
CN_APP = FactKey(DAY, "CN", "app", "MI4", "CNY", False)
CN_BAND = FactKey(DAY, "CN", "web", "BAND", "CNY", False)
IN_WEB = FactKey(DAY + timedelta(days=1), "IN", "web", "MI4", "INR", False)
IN_REHEARSED = FactKey(DAY, "IN", "web", "MI4", "INR", True)


def counts(orders: int, units: int, revenue: int, shipped: int = 0) -> list[int]:
    values = [0] * WIDTH
    values[Measure.ORDERS], values[Measure.UNITS_SOLD] = orders, units
    values[Measure.REVENUE], values[Measure.UNITS_SHIPPED] = revenue, shipped
    return values


def progress(sale_id: str, sold_out_after: float | None, rehearsal: bool = False) -> SaleProgress:
    sold_out = None if sold_out_after is None else T0 + timedelta(seconds=sold_out_after)
    return SaleProgress(sale_id, "IN", "BAND", rehearsal, T0, 10_000, 10_000, 9_990, sold_out)


async def test_facts_add_up_batch_after_batch_as_their_cursor_moves(store: Store) -> None:
    first, second = EventCursor(0, 10), EventCursor(7, 20)
    assert await store.report_cursor() is None
    assert await store.apply_facts(None, first, {CN_WEB: counts(1, 2, 2998_0000)}, [])
    assert await store.apply_facts(
        first, second, {CN_WEB: counts(2, 2, 1_0000, 1), IN_WEB: counts(1, 1, 5)}, []
    )
    assert await store.report_cursor() == second
    facts = await store.all_facts()
    assert facts[CN_WEB] == tuple(counts(3, 4, 2999_0000, 1))
    assert facts[IN_WEB] == tuple(counts(1, 1, 5))


async def test_a_batch_from_a_stale_cursor_writes_nothing(store: Store) -> None:
    await store.apply_facts(None, EventCursor(0, 10), {CN_WEB: counts(1, 1, 1)}, [])
    assert not await store.apply_facts(None, EventCursor(0, 5), {CN_WEB: counts(9, 9, 9)}, [])
    assert not await store.apply_facts(
        EventCursor(0, 5), EventCursor(0, 30), {CN_WEB: counts(9, 9, 9)}, [progress("s", 1)]
    )
    assert (await store.all_facts())[CN_WEB] == tuple(counts(1, 1, 1))
    assert await store.all_progress() == {}
    assert await store.report_cursor() == EventCursor(0, 10)


async def test_of_projectors_racing_from_one_cursor_exactly_one_counts(store: Store) -> None:
    start = EventCursor(0, 1)
    await store.apply_facts(None, start, {}, [])
    moved = await asyncio.gather(
        *(
            store.apply_facts(start, EventCursor(0, 100), {CN_WEB: counts(1, 1, 1)}, [])
            for _ in range(6)
        )
    )
    assert sum(moved) == 1
    assert (await store.all_facts())[CN_WEB] == tuple(counts(1, 1, 1))


async def test_facts_are_read_summed_by_the_dimensions_asked(store: Store) -> None:
    facts = {
        CN_WEB: counts(1, 1, 100),
        CN_APP: counts(2, 2, 200),
        CN_BAND: counts(4, 4, 400),
        IN_WEB: counts(8, 8, 800),
        IN_REHEARSED: counts(16, 16, 1600),
    }
    await store.apply_facts(None, EventCursor(0, 1), facts, [])
    week = (DAY, DAY + timedelta(days=6))
    by_day = await store.fact_rows(*week, (), Rehearsals.EXCLUDE)
    assert by_day == [
        (DAY, None, None, None, "CNY", *counts(7, 7, 700)),
        (DAY + timedelta(days=1), None, None, None, "INR", *counts(8, 8, 800)),
    ]
    by_channel = await store.fact_rows(
        *week, (Dimension.MARKET, Dimension.CHANNEL), Rehearsals.EXCLUDE, market="CN"
    )
    assert sorted(by_channel) == [
        (DAY, "CN", "app", None, "CNY", *counts(2, 2, 200)),
        (DAY, "CN", "web", None, "CNY", *counts(5, 5, 500)),
    ]
    by_sku = await store.fact_rows(*week, (Dimension.SKU,), Rehearsals.EXCLUDE, channel="web")
    assert sorted(by_sku) == [
        (DAY, None, None, "BAND", "CNY", *counts(4, 4, 400)),
        (DAY, None, None, "MI4", "CNY", *counts(1, 1, 100)),
        (DAY + timedelta(days=1), None, None, "MI4", "INR", *counts(8, 8, 800)),
    ]
    only = await store.fact_rows(*week, (Dimension.MARKET,), Rehearsals.ONLY)
    assert only == [(DAY, "IN", None, None, "INR", *counts(16, 16, 1600))]
    both = await store.fact_rows(DAY, DAY, (), Rehearsals.INCLUDE)
    assert sorted(r[4] for r in both) == ["CNY", "INR"]
    assert (
        await store.fact_rows(
            DAY - timedelta(days=9), DAY - timedelta(days=1), (), Rehearsals.INCLUDE
        )
        == []
    )
    assert await store.fact_span() == (DAY, DAY + timedelta(days=1))


async def test_facts_added_without_an_event_leave_the_cursor(store: Store) -> None:
    await store.add_facts({IN_REHEARSED: counts(1, 1, 1)})
    await store.add_facts({IN_REHEARSED: counts(1, 1, 1)})
    assert await store.report_cursor() is None
    rows = await store.fact_rows(DAY, DAY, (Dimension.MARKET,), Rehearsals.ONLY)
    assert rows == [(DAY, "IN", None, None, "INR", *counts(2, 2, 2))]


async def test_the_record_says_which_cancelled_orders_had_been_paid(store: Store) -> None:
    await world(store)
    paid, unpaid = order("ord_paid", 1), order("ord_unpaid", 2)
    await store.insert_orders([paid, unpaid])
    await store.mark_paid([payment_for(paid, T0 + timedelta(minutes=1))])
    assert await store.paid_among(["ord_paid", "ord_unpaid", "ord_none"]) == {"ord_paid"}
    assert await store.paid_among([]) == set()


async def test_sales_progress_is_kept_and_the_fastest_sell_outs_come_first(store: Store) -> None:
    cursor = EventCursor(0, 1)
    await store.apply_facts(
        None,
        cursor,
        {},
        [progress("sale_a", 60), progress("sale_b", 22), progress("sale_c", None)],
    )
    moved = replace(progress("sale_c", 5), units_live=10_000)
    await store.apply_facts(cursor, EventCursor(0, 2), {}, [moved, progress("sale_r", 1, True)])
    kept = await store.sale_progress(["sale_c", "sale_x"])
    assert kept == {"sale_c": moved}
    fastest = await store.sellouts(Rehearsals.EXCLUDE, 2)
    assert [p.sale_id for p in fastest] == ["sale_c", "sale_b"]
    assert [p.sale_id for p in await store.sellouts(Rehearsals.ONLY, 10)] == ["sale_r"]


async def test_the_shadow_replaces_the_live_facts_only_at_the_same_cursor(store: Store) -> None:
    live, ahead = EventCursor(0, 5), EventCursor(0, 9)
    await store.apply_facts(None, live, {CN_WEB: counts(1, 1, 1), IN_WEB: counts(5, 5, 5)}, [])
    await store.apply_facts(None, live, {CN_WEB: counts(2, 2, 2)}, [progress("s", 3)], shadow=True)
    assert await store.report_cursor(shadow=True) == live
    assert await store.all_facts(shadow=True) == {CN_WEB: tuple(counts(2, 2, 2))}
    assert not await store.swap_shadow(ahead)
    assert await store.swap_shadow(live)
    assert await store.all_facts() == {CN_WEB: tuple(counts(2, 2, 2))}
    assert await store.all_progress() == {"s": progress("s", 3)}
    assert await store.all_facts(shadow=True) == {}
    assert await store.report_cursor() == live
    assert await store.report_cursor(shadow=True) is None
    # The SKU-less rollup follows the swap.
    rows = await store.fact_rows(
        DAY, DAY + timedelta(days=1), (Dimension.MARKET,), Rehearsals.INCLUDE
    )
    assert rows == [(DAY, "CN", None, None, "CNY", *counts(2, 2, 2))]
    await store.apply_facts(None, ahead, {IN_WEB: counts(1, 1, 1)}, [], shadow=True)
    await store.clear_shadow()
    assert await store.all_facts(shadow=True) == {}
    assert await store.report_cursor(shadow=True) is None


async def test_rates_are_stored_by_day_and_pair_the_latest_entry_winning(store: Store) -> None:
    assert await store.fx_version() == (0, None)
    rates = [
        FxRate(DAY, "EUR", "USD", Decimal("1.0783")),
        FxRate(DAY, "EUR", "CNY", Decimal("6.6893")),
        FxRate(DAY, "EUR", "RUB", Decimal("60.5612")),
        FxRate(DAY - timedelta(days=5), "EUR", "USD", Decimal("1.0963")),
    ]
    assert await store.put_fx_rates(rates, T0) == 4
    corrected = FxRate(DAY, "EUR", "USD", Decimal("1.07830000001"), "manual")
    await store.put_fx_rates([corrected], T0 + timedelta(seconds=1))
    found = await store.fx_rates(["EUR", "USD", "CNY"], DAY - timedelta(days=1), DAY)
    assert found == sorted([corrected, rates[1]])
    count, latest = await store.fx_version()
    assert count == 4 and latest == T0 + timedelta(seconds=1)


async def test_targets_are_unique_by_period_scope_and_metric(store: Store) -> None:
    world_target = Target(
        "tgt_1", "2018", None, None, Metric.UNITS_SHIPPED, Decimal(100_000_000), T0
    )
    india = replace(world_target, id="tgt_2", market="IN", value=Decimal("10000000.50"))
    await store.add_target(world_target)
    await store.add_target(india)
    await store.add_target(replace(world_target, id="tgt_3", metric=Metric.REVENUE))
    with pytest.raises(Conflict):
        await store.add_target(replace(world_target, id="tgt_4", value=Decimal(1)))
    assert await store.target("tgt_2") == india
    assert await store.target("tgt_9") is None
    assert [t.id for t in await store.targets()] == ["tgt_1", "tgt_2", "tgt_3"]


async def test_a_sale_is_marked_a_rehearsal_once(store: Store) -> None:
    assert await store.rehearsal_sales() == set()
    assert await store.mark_rehearsal("sale_a", T0)
    assert not await store.mark_rehearsal("sale_a", T0)
    assert await store.rehearsal_sales() == {"sale_a"}


async def test_facts_are_summed_by_period_and_converted_at_each_days_factor(store: Store) -> None:
    friday = DAY + timedelta(days=2)  # 2015-04-10
    refunded = counts(1, 1, 300_0000)
    refunded[Measure.REFUNDS] = 100_0000
    facts = {
        CN_WEB: counts(1, 1, 100_0000),
        CN_APP: counts(2, 2, 200_0000),
        CN_WEB._replace(day=friday): refunded,
        IN_WEB: counts(8, 8, 800_0000),
        IN_WEB._replace(day=friday, sku="BAND"): counts(0, 0, 0, 3),  # no money, no rate needed
        IN_REHEARSED: counts(16, 16, 1600_0000),
    }
    await store.apply_facts(None, EventCursor(0, 1), facts, [])
    assert await store.fact_currencies(DAY, friday) == {"CNY", "INR"}
    assert (
        await store.fact_currencies(friday + timedelta(days=1), friday + timedelta(days=9)) == set()
    )
    # Two periods: the 8th alone, the 9th to the 11th; the 12th is outside the question.
    periods = {DAY: DAY, **{DAY + timedelta(days=n): DAY + timedelta(days=1) for n in (1, 2, 3)}}
    factors = {
        ("CNY", DAY): Decimal("0.25"),
        ("CNY", friday): Decimal("0.5"),
        ("INR", DAY): Decimal("0.01"),  # none for INR on the 9th: missing
    }
    by_market = await store.convert_facts(
        DAY, friday + timedelta(days=1), (Dimension.MARKET,), Rehearsals.EXCLUDE, None, None,
        periods, factors,
    )  # fmt: skip
    later = DAY + timedelta(days=1)
    assert [(r[:5], Decimal(str(r[5])), r[6], list(r[7:])) for r in by_market.rows] == [
        ((DAY, "CN", None, None, "CNY"), Decimal("75_0000"), 0, counts(3, 3, 300_0000)),
        ((later, "CN", None, None, "CNY"), Decimal("100_0000"), 0, refunded),
        ((later, "IN", None, None, "INR"), Decimal(0), 1, counts(8, 8, 800_0000, 3)),
    ]
    assert [(m.currency, m.day) for m in by_market.missing] == [("INR", DAY + timedelta(days=1))]
    by_sku = await store.convert_facts(
        DAY, DAY, (Dimension.SKU,), Rehearsals.INCLUDE, "IN", "web", periods, factors
    )
    assert [(r[:5], Decimal(str(r[5])), r[6]) for r in by_sku.rows] == [
        ((DAY, None, None, "MI4", "INR"), Decimal("16_0000"), 0)
    ]
    assert by_sku.missing == []
