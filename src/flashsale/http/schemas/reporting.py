"""Bodies and queries of the sales reports, exchange rates and targets.

Query values are plain text here and checked by the reporting services, which refuse an
unknown grain, dimension or metric with the allowed ones listed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from flashsale.http.edge import Line
from flashsale.http.schemas.base import RequestBody, RequestQuery, ResponseBody
from flashsale.reporting.domain.analysis import Growth, Point, Records
from flashsale.reporting.domain.facts import SaleProgress
from flashsale.reporting.domain.fx import Missing
from flashsale.reporting.domain.questions import ReportRow, SalesAnswer
from flashsale.reporting.domain.targets import Progress, Target

_GRAIN = "day, week, month, quarter or year"
_PERIOD = "A period: 2017, 2017-Q2, 2017-09, 2017-W36 or 2017-09-14."
_REHEARSALS = "exclude (the default), include, or only the sales marked as rehearsals."
_TEXT = Field(default=None, max_length=200)


class SalesQuery(RequestQuery):
    grain: str = Field(default="month", max_length=40, description=_GRAIN)
    by: str | None = Field(
        default=None,
        max_length=200,
        description="Dimensions, comma-separated: market, channel, sku.",
    )
    from_: str | None = Field(
        default=None,
        alias="from",
        max_length=40,
        description=f"{_PERIOD} From its first day; a year before `to` when left out.",
    )
    to: str | None = Field(
        default=None, max_length=40, description=f"{_PERIOD} To its last day; today by default."
    )
    currency: str | None = Field(
        default=None,
        max_length=40,
        description="The reporting currency (ISO 4217); FLASHSALE_REPORTING_CURRENCY by default.",
    )
    rehearsals: str = Field(default="exclude", max_length=40, description=_REHEARSALS)
    market: str | None = Field(default=None, max_length=40, description="Only this market.")
    channel: str | None = Field(default=None, max_length=40, description="Only this channel.")


class RecordsQuery(RequestQuery):
    metric: str = Field(max_length=40, description="units_shipped, units_sold or revenue.")
    grain: str = Field(default="month", max_length=40, description="day, month or quarter.")
    market: str | None = Field(default=None, max_length=40)
    channel: str | None = Field(default=None, max_length=40)
    currency: str | None = Field(default=None, max_length=40)
    rehearsals: str = Field(default="exclude", max_length=40, description=_REHEARSALS)


class GrowthQuery(RequestQuery):
    metric: str = Field(max_length=40, description="units_shipped, units_sold, revenue, orders.")
    grain: str = Field(default="quarter", max_length=40, description="quarter or year.")
    market: str | None = Field(default=None, max_length=40)
    from_: str | None = Field(default=None, alias="from", max_length=40, description=_PERIOD)
    to: str | None = Field(default=None, max_length=40, description=_PERIOD)
    currency: str | None = Field(default=None, max_length=40)
    rehearsals: str = Field(default="exclude", max_length=40, description=_REHEARSALS)


class SelloutsQuery(RequestQuery):
    limit: int = Field(default=20, ge=1, le=1000)
    rehearsals: str = Field(default="exclude", max_length=40, description=_REHEARSALS)


class ProgressQuery(RequestQuery):
    seasonal: bool = Field(
        default=False, description="Forecast from last year's shape instead of the run rate."
    )


class MoneyOut(ResponseBody):
    amount: Decimal
    currency: str


class ReportingMoneyOut(MoneyOut):
    incomplete: bool = Field(description="Some days had no rate within the allowed age.")


class RowOut(ResponseBody):
    period: str
    period_start: date
    period_end: date
    market: str | None = None
    channel: str | None = None
    sku: str | None = None
    orders: int
    units_sold: int = Field(description="Paid units less those cancelled after payment.")
    units_cancelled: int
    units_shipped: int
    units_delivered: int
    units_returned: int
    revenue: MoneyOut | None = Field(
        description="Net revenue (paid less refunded) in the market's currency; null when the"
        " row spans several currencies (see revenue_by_currency)."
    )
    revenue_by_currency: list[MoneyOut]
    revenue_reporting: ReportingMoneyOut

    @classmethod
    def of(cls, row: ReportRow, currency: str) -> RowOut:
        by_currency = [MoneyOut(amount=row.revenue_in(c), currency=c) for c in sorted(row.revenue)]
        return cls(
            period=row.period.name,
            period_start=row.period.first,
            period_end=row.period.last,
            market=row.market,
            channel=row.channel,
            sku=row.sku,
            orders=row.orders,
            units_sold=row.units_sold,
            units_cancelled=row.units_cancelled,
            units_shipped=row.units_shipped,
            units_delivered=row.units_delivered,
            units_returned=row.units_returned,
            revenue=by_currency[0] if len(by_currency) == 1 else None,
            revenue_by_currency=by_currency,
            revenue_reporting=ReportingMoneyOut(
                amount=row.reporting_amount(currency), currency=currency, incomplete=row.incomplete
            ),
        )


class MissingOut(ResponseBody):
    currency: str
    day: date

    @classmethod
    def of(cls, missing: Missing) -> MissingOut:
        return cls(currency=missing.currency, day=missing.day)


class SalesReportOut(ResponseBody):
    grain: str
    by: list[str]
    first_day: date = Field(description="The question's first day (`from`).")
    last_day: date = Field(description="The question's last day (`to`).")
    currency: str
    rehearsals: str
    rows: list[RowOut]
    totals: RowOut
    incomplete: bool
    missing_rates: list[MissingOut] = Field(
        description="(currency, day) pairs without a rate within the allowed age (the first 500)."
    )
    missing_rates_count: int

    @classmethod
    def of(cls, answer: SalesAnswer) -> SalesReportOut:
        q = answer.question
        totals = RowOut.of(answer.total, q.currency).model_copy(
            update={"period": f"{q.first}/{q.last}", "period_start": q.first, "period_end": q.last}
        )
        return cls.model_validate(
            {
                "grain": q.grain.value,
                "by": [d.value for d in q.by],
                "first_day": q.first,
                "last_day": q.last,
                "currency": q.currency,
                "rehearsals": q.rehearsals.value,
                "rows": [RowOut.of(row, q.currency) for row in answer.rows],
                "totals": totals,
                "incomplete": answer.total.incomplete,
                "missing_rates": [MissingOut.of(m) for m in answer.missing],
                "missing_rates_count": answer.missing_count,
            }
        )


class PointOut(ResponseBody):
    period: str
    value: Decimal
    incomplete: bool = False

    @classmethod
    def of(cls, point: Point | None) -> PointOut | None:
        if point is None:
            return None
        return cls(period=point.period.name, value=point.value, incomplete=point.incomplete)


class RecordsOut(ResponseBody):
    metric: str
    grain: str
    best: PointOut | None
    previous_record: PointOut | None = Field(description="The record the best period broke.")
    current: PointOut
    record_to_beat: PointOut | None = Field(description="The best period before the current.")
    beating: bool

    @classmethod
    def of(cls, metric: str, grain: str, found: Records) -> RecordsOut:
        current = PointOut.of(found.current)
        assert current is not None
        return cls(
            metric=metric,
            grain=grain,
            best=PointOut.of(found.best),
            previous_record=PointOut.of(found.previous_record),
            current=current,
            record_to_beat=PointOut.of(found.record_before_current),
            beating=found.beating,
        )


class GrowthRowOut(ResponseBody):
    period: str
    value: Decimal
    previous_period: str
    previous_value: Decimal
    change_pct: Decimal | None = Field(description="On the previous period; null from zero.")
    year_ago_period: str
    year_ago_value: Decimal
    yoy_pct: Decimal | None
    incomplete: bool

    @classmethod
    def of(cls, g: Growth) -> GrowthRowOut:
        return cls(
            period=g.point.period.name,
            value=g.point.value,
            previous_period=g.previous.period.name,
            previous_value=g.previous.value,
            change_pct=g.change_pct,
            year_ago_period=g.year_ago.period.name,
            year_ago_value=g.year_ago.value,
            yoy_pct=g.yoy_pct,
            incomplete=g.point.incomplete or g.previous.incomplete,
        )


class GrowthOut(ResponseBody):
    metric: str
    grain: str
    market: str | None
    rows: list[GrowthRowOut]


class SelloutOut(ResponseBody):
    sale_id: str
    market: str
    sku: str
    stock: int
    opens_at: datetime
    sold_out_at: datetime
    seconds: float
    rehearsal: bool

    @classmethod
    def of(cls, p: SaleProgress) -> SelloutOut:
        assert p.sold_out_at is not None and p.seconds_to_sell_out is not None
        return cls(
            sale_id=p.sale_id,
            market=p.market,
            sku=p.sku,
            stock=p.stock_total,
            opens_at=p.opens_at,
            sold_out_at=p.sold_out_at,
            seconds=p.seconds_to_sell_out,
            rehearsal=p.is_rehearsal,
        )


class SelloutListOut(ResponseBody):
    sellouts: list[SelloutOut]


class FxRateIn(RequestBody):
    day: str = Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        description="The day the rate is for (YYYY-MM-DD).",
        examples=["2015-04-08"],
    )
    base: Line = Field(max_length=3, examples=["EUR"])
    quote: Line = Field(max_length=3, examples=["CNY"])
    rate: str = Field(
        max_length=40,
        pattern=r"^[0-9]{1,10}(\.[0-9]{1,12})?$",
        description="Units of quote one unit of base buys, as decimal text.",
        examples=["6.6730"],
    )
    source: Line = Field(default="manual", max_length=32)


class FxRatesIn(RequestBody):
    rates: list[FxRateIn] = Field(min_length=1, max_length=10_000)


class FxRatesOut(ResponseBody):
    stored: int


class TargetIn(RequestBody):
    period: Line = Field(max_length=10, description="2018, 2018-Q3 or 2018-09.")
    metric: Line = Field(max_length=40, description="units_shipped, units_sold, revenue, orders.")
    value: int | Line = Field(
        description="The target: a number (revenue in the reporting currency, as decimal text)."
    )
    market: Line | None = Field(default=None, max_length=2)
    channel: Line | None = Field(default=None, max_length=32)


class TargetOut(ResponseBody):
    id: str
    period: str
    market: str | None
    channel: str | None
    metric: str
    value: Decimal
    created_at: datetime

    @classmethod
    def of(cls, t: Target) -> TargetOut:
        return cls(
            id=t.id,
            period=t.period,
            market=t.market,
            channel=t.channel,
            metric=t.metric.value,
            value=t.value,
            created_at=t.created_at,
        )


class TargetListOut(ResponseBody):
    targets: list[TargetOut]


class ProgressOut(ResponseBody):
    target: TargetOut
    today: date
    achieved: Decimal
    percent: Decimal
    days_total: int
    days_gone: int
    days_left: int
    daily_rate_needed: Decimal | None
    forecast: Decimal
    forecast_method: str
    on_track: bool

    @classmethod
    def of(cls, p: Progress) -> ProgressOut:
        return cls(
            target=TargetOut.of(p.target),
            today=p.today,
            achieved=p.achieved,
            percent=p.percent,
            days_total=p.days_total,
            days_gone=p.days_gone,
            days_left=p.days_left,
            daily_rate_needed=p.daily_rate_needed,
            forecast=p.forecast,
            forecast_method=p.forecast_method,
            on_track=p.on_track,
        )


class RehearsalOut(ResponseBody):
    sale_id: str
    newly_marked: bool
