"""The questions, answered from the seeds' own history: the record month, the quarter's +70 %,
India's +328 %, the road to 100 million; and every bad input refused with what is allowed."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import Conflict, InvalidInput
from flashsale.reporting.domain.export import COLUMNS, rows_of_csv, to_csv
from flashsale.reporting.domain.fx import FxRate
from flashsale.reporting.service.parquet_export import to_parquet
from flashsale.reporting.service.rates import ExchangeRates
from flashsale.reporting.service.reports import Reports
from flashsale.reporting.service.targets import Targets
from tests.unit.reporting.fakes import Markets, Repository, Sales

NOW = datetime(2018, 3, 31, 12, 0, tzinfo=UTC)  # Q1 2018 ends today


async def shop(now: datetime = NOW) -> tuple[Reports, Targets, Repository]:
    repository = Repository()
    clock = ManualClock(now)
    rates = ExchangeRates(repository, clock)
    reports = Reports(repository, rates, Sales(), Markets(), clock)
    await reports.seed_history()
    return reports, Targets(repository, reports, clock), repository


async def test_september_2017_is_the_record_month_and_q2_the_quarter_of_plus_70() -> None:
    reports, _, _ = await shop()
    found = await reports.records("units_shipped", "month", rehearsals="only")
    assert found.best is not None and found.best.period.name == "2017-09"
    assert found.best.value == 10_000_000
    assert found.previous_record is not None and found.previous_record.value < 10_000_000
    assert not found.beating  # March 2018 has shipped nothing in the demo
    growth = await reports.growth(
        "units_shipped", "quarter", first="2017-Q2", last="2017-Q2", rehearsals="only"
    )
    (q2,) = growth
    assert q2.point.value == 23_160_000 and q2.previous.value == 13_620_000
    assert q2.change_pct == Decimal("70.0")


async def test_india_s_revenue_grew_328_percent_year_on_year() -> None:
    reports, _, _ = await shop()
    (q2,) = await reports.growth(
        "revenue",
        "quarter",
        market="IN",
        first="2017-Q2",
        last="2017-Q2",
        currency="INR",
        rehearsals="only",
    )
    assert q2.yoy_pct == Decimal("328.0")


async def test_years_and_the_festival_day_in_yuan_and_dollars() -> None:
    reports, _, repository = await shop()
    years = await reports.sales("year", None, "2014", "2015", "CNY", "only")
    assert [r.units_shipped for r in years.rows] == [61_120_000, 70_000_000]
    await repository.put_fx_rates(
        [
            FxRate(date(2015, 4, 8), "EUR", q, Decimal(r))
            for q, r in (("USD", "1.0783"), ("CNY", "6.6893"))
        ],
        NOW,
    )
    day = await reports.sales("day", "market", "2015-04-08", "2015-04-08", "USD", "only")
    (china,) = [r for r in day.rows if r.market == "CN"]
    assert china.revenue_in("CNY") == Decimal("2080000000.00")
    assert abs(china.reporting_amount("USD") - 335_000_000) < 1_000_000
    assert china.orders == 3_050_000 and china.units_sold == 2_112_010
    assert day.total.incomplete  # India's rupees had no rate that day
    assert {(m.currency, m.day) for m in day.missing} == {("INR", date(2015, 4, 8))}


async def test_the_real_numbers_leave_the_rehearsed_history_out() -> None:
    reports, _, _ = await shop()
    real = await reports.sales("year", None, "2014", "2017", "CNY")
    assert real.rows == [] and real.total.units_shipped == 0


async def test_a_target_s_progress_and_forecasts() -> None:
    _, targets, _ = await shop(datetime(2017, 9, 30, 12, tzinfo=UTC))
    target = await targets.set("2017", "units_shipped", 100_000_000)
    with pytest.raises(Conflict):
        await targets.set("2017", "units_shipped", "90000000")
    # The real record has nothing: the demo's history is a rehearsal.
    empty = await targets.progress(target.id)
    assert empty.achieved == 0 and not empty.on_track and empty.days_left == 92
    assert empty.daily_rate_needed == Decimal("1086956.52")

    from flashsale.reporting.domain.targets import progress

    achieved = Decimal(13_620_000 + 23_160_000 + 26_500_000)
    run_rate = progress(target, date(2017, 9, 30), achieved)
    assert run_rate.days_gone == 273 and run_rate.forecast == (achieved * 365 / 273).quantize(
        Decimal("0.01")
    )
    assert not run_rate.on_track and run_rate.percent == Decimal("63.28")
    seasonal = progress(
        target,
        date(2017, 9, 30),
        achieved,
        last_year_same_days=Decimal(40_000_000),
        last_year_total=Decimal(55_000_000),
    )
    assert seasonal.forecast_method == "seasonal"
    assert seasonal.forecast == Decimal("87010000.00") and not seasonal.on_track


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"grain": "fortnight"}, "the allowed: day, week, month, quarter, year"),
        ({"by": "market,colour"}, "the allowed: market, channel, sku"),
        ({"first": "2017-12", "last": "2017-01"}, "is after"),
        ({"grain": "day", "first": "2005", "last": "2017"}, "ten years"),
        ({"currency": "DOLLARS"}, "ISO 4217"),
        ({"currency": "XXY"}, "ISO 4217"),
        ({"first": "2017-13"}, "2017-Q2"),
        ({"rehearsals": "sometimes"}, "exclude, include, only"),
    ],
)
async def test_bad_questions_are_refused_saying_what_is_allowed(
    arguments: dict[str, str], said: str
) -> None:
    reports, _, _ = await shop()
    with pytest.raises(InvalidInput) as refused:
        await reports.sales(**arguments)
    assert said in refused.value.detail


async def test_bad_metrics_grains_and_periods_are_refused() -> None:
    reports, targets, _ = await shop()
    with pytest.raises(InvalidInput, match="units_shipped, units_sold, revenue"):
        await reports.records("likes")
    with pytest.raises(InvalidInput, match="day, month, quarter"):
        await reports.records("revenue", "week")
    with pytest.raises(InvalidInput, match="quarter, year"):
        await reports.growth("revenue", "month")
    for period in ("2018-Q5", "18", "2018-9", "2018-09-01"):
        with pytest.raises(InvalidInput):
            await targets.set(period, "units_shipped", 1)


async def test_the_csv_export_reads_back_as_the_same_numbers() -> None:
    reports, _, _ = await shop()
    answer = await reports.sales("quarter", "market", "2017-01", "2017-12", "CNY", "only")
    lines = rows_of_csv(to_csv(answer))
    assert len(lines) == len(answer.rows) + 1 and lines[-1]["period"] == "total"
    for line, row in zip(lines, answer.rows, strict=False):
        assert (line["period"], line["market"]) == (row.period.name, row.market)
        assert int(line["units_shipped"]) == row.units_shipped
        currency = line["revenue_currency"]
        assert Decimal(line["revenue"]) == row.revenue_in(currency)
    assert int(lines[-1]["units_shipped"]) == 23_160_000 + 13_620_000 + 26_500_000 + 27_700_000


async def test_the_parquet_export_reads_back_as_the_same_numbers_as_the_csv() -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    reports, _, _ = await shop()
    answer = await reports.sales("quarter", "market", "2017-01", "2017-12", "CNY", "only")
    table = pq.read_table(io.BytesIO(to_parquet(answer)))
    assert table.column_names == list(COLUMNS)
    got = table.to_pylist()
    lines = rows_of_csv(to_csv(answer))
    assert len(got) == len(lines) and got[-1]["period"] == "total"
    for row, line in zip(got, lines, strict=True):
        assert str(row["period_start"]) == line["period_start"]
        assert row["units_shipped"] == int(line["units_shipped"])
        assert row["market"] == (line["market"] or None)
        assert row["revenue_reporting"] == Decimal(line["revenue_reporting"])
        assert isinstance(row["incomplete"], bool)
