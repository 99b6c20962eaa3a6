"""Bodies of sales channels: channels, prices, partner pools, order imports, returns, feeds and
reconciliation."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from flashsale.channels.domain.channel import (
    CODE_PATTERN,
    MAX_BUFFER,
    MAX_CODE,
    MAX_NAME,
    Channel,
    ChannelPrice,
)
from flashsale.channels.domain.pool import MAX_UNITS, Pool
from flashsale.channels.domain.reconciliation import DaySku, Reconciliation
from flashsale.channels.service.imports import ImportResult
from flashsale.channels.service.returns import ReturnsResult
from flashsale.http.edge import Line
from flashsale.http.schemas.base import (
    AmountIn,
    MarketCodeIn,
    RequestBody,
    RequestQuery,
    ResponseBody,
)
from flashsale.inventory.domain.location import CODE_PATTERN as LOCATION_PATTERN

ChannelCode = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN, min_length=2, max_length=MAX_CODE),
    Field(examples=["AMAZON_IN"]),
]
SkuIn = Annotated[str, StringConstraints(min_length=1, max_length=64), Field(examples=["MI6-64GB"])]
LocationCodeIn = Annotated[
    str,
    StringConstraints(pattern=LOCATION_PATTERN, min_length=2, max_length=32),
    Field(examples=["DC-BLR"]),
]


class ChannelIn(RequestBody):
    code: ChannelCode
    kind: Literal["web", "store", "marketplace"] = "marketplace"
    market: MarketCodeIn
    name: Line = Field(min_length=1, max_length=MAX_NAME)
    safety_buffer: int = Field(default=0, ge=0, le=MAX_BUFFER)
    active: bool = True


class ChannelChangeIn(RequestBody):
    name: Line | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    safety_buffer: int | None = Field(default=None, ge=0, le=MAX_BUFFER)
    active: bool | None = None


class ChannelOut(ResponseBody):
    code: str
    kind: str
    market: str
    name: str
    currency: str
    safety_buffer: int
    active: bool

    @classmethod
    def of(cls, c: Channel) -> ChannelOut:
        return cls(
            code=c.code,
            kind=c.kind.value,
            market=c.market_code,
            name=c.name,
            currency=c.currency,
            safety_buffer=c.safety_buffer,
            active=c.active,
        )


class ChannelListOut(ResponseBody):
    channels: list[ChannelOut]


class ChannelPricesIn(RequestBody):
    prices: dict[SkuIn, AmountIn] = Field(
        min_length=1,
        max_length=10_000,
        description="Amounts per SKU, in the channel's currency (its market's).",
        examples=[{"MIBAND2-BLK": "999.00"}],
    )


class ChannelPriceOut(ResponseBody):
    sku: str
    amount: str
    currency: str

    @classmethod
    def of(cls, p: ChannelPrice) -> ChannelPriceOut:
        return cls(sku=p.sku, amount=format(p.price.amount, "f"), currency=p.price.currency)


class ChannelPriceListOut(ResponseBody):
    channel: str
    prices: list[ChannelPriceOut]


class PoolIn(RequestBody):
    location: LocationCodeIn
    sku: SkuIn
    units: int = Field(ge=0, le=MAX_UNITS)


class PoolsIn(RequestBody):
    pools: list[PoolIn] = Field(min_length=1, max_length=10_000)


class PoolOut(ResponseBody):
    location: str
    sku: str
    units: int
    consumed: int
    available: int
    buffer: int
    published: int

    @classmethod
    def of(cls, p: Pool, buffer: int) -> PoolOut:
        return cls(
            location=p.location,
            sku=p.sku,
            units=p.units,
            consumed=p.consumed,
            available=p.available,
            buffer=buffer,
            published=p.published(buffer),
        )


class PoolListOut(ResponseBody):
    channel: str
    pools: list[PoolOut]

    @classmethod
    def of(cls, channel: Channel, pools: list[Pool]) -> PoolListOut:
        return cls(
            channel=channel.code, pools=[PoolOut.of(p, channel.safety_buffer) for p in pools]
        )


class ImportQuery(RequestQuery):
    format: Literal["amazon-flatfile", "flipkart-json", "json"] = "json"


class RejectedOut(ResponseBody):
    line: int
    problem: str


class ImportOut(ResponseBody):
    channel: str
    batch: str
    imported: int
    duplicates: int
    rejected_total: int = Field(description="Every rejected line; ``rejected`` lists the first.")
    rejected: list[RejectedOut]

    @classmethod
    def of(cls, r: ImportResult) -> ImportOut:
        return cls(
            channel=r.channel,
            batch=r.batch,
            imported=r.imported,
            duplicates=r.duplicates,
            rejected_total=r.rejected_total,
            rejected=[RejectedOut(line=n, problem=why) for n, why in r.rejected],
        )


class ReturnsQuery(RequestQuery):
    format: Literal["amazon-returns", "amazon-flatfile", "flipkart-json", "json"] = Field(
        default="json",
        description="amazon-returns: Amazon's returns report by return date; amazon-flatfile:"
        " its order report (lines Cancelled); flipkart-json: GET /v2/returns' returnItems or"
        " cancelled shipments; json: {events: [{order_id, line_id, kind, at, quantity?,"
        " condition?}]}",
    )


class ReturnsOut(ResponseBody):
    channel: str
    batch: str
    applied: int = Field(description="Released, restocked, written off, or recorded.")
    duplicates: int
    passed_over: int = Field(description="Entries that are no cancellation or return (yet).")
    rejected_total: int = Field(description="Every rejected entry; ``rejected`` lists the first.")
    rejected: list[RejectedOut]

    @classmethod
    def of(cls, r: ReturnsResult) -> ReturnsOut:
        return cls(
            channel=r.channel,
            batch=r.batch,
            applied=r.applied,
            duplicates=r.duplicates,
            passed_over=r.passed_over,
            rejected_total=r.rejected_total,
            rejected=[RejectedOut(line=n, problem=why) for n, why in r.rejected],
        )


class FeedQuery(RequestQuery):
    format: Literal["amazon-json", "flipkart-json", "csv"] = "amazon-json"
    seller_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class FeedOut(ResponseBody):
    channel: str
    format: str
    documents: list[dict[str, object] | str] = Field(
        description="Amazon's JSON_LISTINGS_FEED documents (25,000 SKUs each at most),"
        " Flipkart's inventory-update bodies (50 SKUs each at most), or the CSV's text (the"
        " same as GET …/feed.csv answers)."
    )


class ReconciliationQuery(RequestQuery):
    start: date = Field(alias="from")
    end: date = Field(alias="to")


class DaySkuOut(ResponseBody):
    day: date
    sku: str
    reported: int
    imported: int
    consumed: int
    rejected: int
    oversold: int
    returned: int
    partner_oversold: bool

    @classmethod
    def of(cls, r: DaySku) -> DaySkuOut:
        return cls(
            day=r.day,
            sku=r.sku,
            reported=r.reported,
            imported=r.imported,
            consumed=r.consumed,
            rejected=r.rejected,
            oversold=r.oversold,
            returned=r.returned,
            partner_oversold=r.partner_oversold,
        )


class ReconciliationOut(ResponseBody):
    channel: str
    first_day: date
    last_day: date
    oversold: int
    partner_oversold: bool
    days: list[DaySkuOut]

    @classmethod
    def of(cls, r: Reconciliation) -> ReconciliationOut:
        return cls(
            channel=r.channel,
            first_day=r.start,
            last_day=r.end,
            oversold=r.oversold,
            partner_oversold=r.partner_oversold,
            days=[DaySkuOut.of(row) for row in r.rows],
        )
