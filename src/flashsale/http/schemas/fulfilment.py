"""Bodies of inventory and fulfilment: locations, stock moves and levels, allotments, the
stock audit, market settings and fulfilment orders."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from flashsale.fulfilment.domain.order import FulfilmentOrder
from flashsale.fulfilment.domain.settings import MAX_RETURN_WINDOW_DAYS, MarketFulfilment
from flashsale.fulfilment.domain.shipments import Shipment
from flashsale.fulfilment.service.allocator import Allocated
from flashsale.http.edge import Line
from flashsale.http.schemas.base import MarketCodeIn, RequestBody, RequestQuery, ResponseBody
from flashsale.http.schemas.stock_audit import SkuStockOut
from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.audit import StockAudit
from flashsale.inventory.domain.location import (
    CODE_PATTERN,
    MAX_ADDRESS,
    MAX_CAPACITY_PER_HOUR,
    MAX_CODE,
    MAX_NAME,
    MAX_RANK,
    Location,
    LocationKind,
    ranked_regions,
)
from flashsale.inventory.domain.stock import MAX_QUANTITY, MAX_REFERENCE, Move, StockLevel

LocationCode = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN, min_length=2, max_length=MAX_CODE),
    Field(examples=["DC-BJ"]),
]
RegionCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$"), Field(examples=["CN-BJ"])
]
LocalTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    Field(examples=["17:00"], description="A local time of day, HH:MM."),
]
SkuIn = Annotated[str, StringConstraints(min_length=1, max_length=64), Field(examples=["MI6-64GB"])]
MoveName = Literal["receive", "adjust", "count", "write_off"]


class RegionRankIn(RequestBody):
    region: RegionCode
    rank: int = Field(ge=1, le=MAX_RANK)


class LocationIn(RequestBody):
    code: LocationCode
    name: Line = Field(min_length=1, max_length=MAX_NAME)
    kind: Literal["dc", "store"] = "dc"
    market: MarketCodeIn
    address: Line = Field(default="", max_length=MAX_ADDRESS)
    timezone: Line = Field(min_length=1, max_length=64, examples=["Asia/Shanghai"])
    capacity_per_hour: int = Field(default=3_500, ge=1, le=MAX_CAPACITY_PER_HOUR)
    cutoff_local_time: LocalTime = "17:00"
    regions: list[RegionRankIn] = Field(default_factory=list, max_length=200)
    active: bool = True
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    def location(self, code: str | None = None) -> Location:
        return Location(
            code=(code or self.code).upper(),
            name=self.name,
            market_code=self.market.upper(),
            timezone=self.timezone,
            kind=LocationKind(self.kind),
            address=self.address,
            capacity_per_hour=self.capacity_per_hour,
            cutoff=time.fromisoformat(self.cutoff_local_time),
            regions=ranked_regions([(r.region, r.rank) for r in self.regions]),
            active=self.active,
            latitude=self.latitude,
            longitude=self.longitude,
        )


class RegionRankOut(ResponseBody):
    region: str
    rank: int


class LocationOut(ResponseBody):
    code: str
    name: str
    kind: str
    market: str
    address: str
    timezone: str
    capacity_per_hour: int
    cutoff_local_time: str
    regions: list[RegionRankOut]
    active: bool
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, loc: Location) -> LocationOut:
        return cls(
            code=loc.code,
            name=loc.name,
            kind=loc.kind.value,
            market=loc.market_code,
            address=loc.address,
            timezone=loc.timezone,
            capacity_per_hour=loc.capacity_per_hour,
            cutoff_local_time=loc.cutoff.strftime("%H:%M"),
            regions=[RegionRankOut(region=r.region, rank=r.rank) for r in loc.regions],
            active=loc.active,
            latitude=loc.latitude,
            longitude=loc.longitude,
        )


class LocationListOut(ResponseBody):
    locations: list[LocationOut]


class LocationQuery(RequestQuery):
    market: MarketCodeIn | None = None


class StockMoveIn(RequestBody):
    sku: SkuIn
    kind: MoveName = Field(
        description="receive and write_off take a positive quantity, adjust a signed one,"
        " count the units counted (the difference with on-hand is written)."
    )
    quantity: int = Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)
    reference: Line = Field(default="", max_length=MAX_REFERENCE, examples=["PO-2015-0408"])


class MoveOut(ResponseBody):
    id: int | None
    location: str
    sku: str
    kind: str
    on_hand_change: int
    allocated_change: int
    reference: str
    actor: str
    at: datetime

    @classmethod
    def of(cls, move: Move) -> MoveOut:
        return cls(
            id=move.id,
            location=move.location,
            sku=move.sku,
            kind=move.kind.value,
            on_hand_change=move.on_hand_change,
            allocated_change=move.allocated_change,
            reference=move.reference,
            actor=move.actor,
            at=move.at,
        )


class LevelOut(ResponseBody):
    location: str
    sku: str
    on_hand: int
    allocated: int
    committed: int
    free: int

    @classmethod
    def of(cls, level: StockLevel) -> LevelOut:
        return cls(
            location=level.location,
            sku=level.sku,
            on_hand=level.on_hand,
            allocated=level.allocated,
            committed=level.committed,
            free=level.free,
        )


class StockMoveOut(ResponseBody):
    move: MoveOut
    level: LevelOut


class LevelListOut(ResponseBody):
    levels: list[LevelOut]


class LevelQuery(RequestQuery):
    location: Annotated[str, StringConstraints(max_length=MAX_CODE)] | None = None
    sku: Annotated[str, StringConstraints(max_length=64)] | None = None


class DiscrepancyOut(ResponseBody):
    check: str
    sku: str
    location: str | None
    expected: int
    found: int


class StockAuditOut(ResponseBody):
    clean: bool
    levels: int
    skus: int
    discrepancies: list[DiscrepancyOut]
    stock: list[SkuStockOut]

    @classmethod
    def of(cls, audit: StockAudit) -> StockAuditOut:
        return cls(
            clean=audit.clean,
            levels=audit.levels,
            skus=audit.skus,
            discrepancies=[
                DiscrepancyOut(
                    check=d.check,
                    sku=d.sku,
                    location=d.location,
                    expected=d.expected,
                    found=d.found,
                )
                for d in audit.discrepancies
            ],
            stock=[SkuStockOut.of(row) for row in audit.stock],
        )


class AllotmentsIn(RequestBody):
    allotments: dict[LocationCode, Annotated[int, Field(ge=1, le=MAX_QUANTITY)]] = Field(
        min_length=1,
        max_length=200,
        description="Units per location; they must add up to the sale's stock.",
        examples=[{"DC-BJ": 6000, "DC-SH": 4000}],
    )


class AllotmentOut(ResponseBody):
    location: str
    sku: str
    quantity: int
    drawn: int
    remaining: int
    closed: bool

    @classmethod
    def of(cls, a: Allotment) -> AllotmentOut:
        return cls(
            location=a.location,
            sku=a.sku,
            quantity=a.quantity,
            drawn=a.drawn,
            remaining=a.remaining,
            closed=a.closed,
        )


class AllotmentListOut(ResponseBody):
    sale_id: str
    allotments: list[AllotmentOut]


class MarketFulfilmentIn(RequestBody):
    strategy: Literal["nearest", "ranked", "most_stock"] = "nearest"
    ranked_locations: list[LocationCode] = Field(default_factory=list, max_length=200)
    allow_split: bool = False
    return_window_days: int = Field(default=7, ge=0, le=MAX_RETURN_WINDOW_DAYS)
    cutoff_local_time: LocalTime = "17:00"


class MarketFulfilmentOut(ResponseBody):
    market: str
    strategy: str
    ranked_locations: list[str]
    allow_split: bool
    return_window_days: int
    cutoff_local_time: str

    @classmethod
    def of(cls, s: MarketFulfilment) -> MarketFulfilmentOut:
        return cls(
            market=s.market_code,
            strategy=s.strategy.value,
            ranked_locations=list(s.ranked_locations),
            allow_split=s.allow_split,
            return_window_days=s.return_window_days,
            cutoff_local_time=s.cutoff.strftime("%H:%M"),
        )


class FulfilmentOrderOut(ResponseBody):
    id: str
    source_kind: str
    source_id: str
    part: int
    sale_id: str
    market: str
    sku: str
    quantity: int
    region: str | None
    status: str
    location: str | None
    reason: str = Field(description="Why it is unallocated; empty otherwise.")
    paid_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, fo: FulfilmentOrder) -> FulfilmentOrderOut:
        return cls(
            id=fo.id,
            source_kind=fo.source_kind.value,
            source_id=fo.source_id,
            part=fo.part,
            sale_id=fo.sale_id,
            market=fo.market_code,
            sku=fo.sku,
            quantity=fo.quantity,
            region=fo.region,
            status=fo.status.value,
            location=fo.location,
            reason=fo.reason,
            paid_at=fo.paid_at,
            updated_at=fo.updated_at,
        )


class FulfilmentOrderListOut(ResponseBody):
    fulfilment_orders: list[FulfilmentOrderOut]


FulfilmentStatusName = Literal[
    "unallocated", "allocated", "picking", "packed", "shipped", "delivered", "cancelled"
]


class FulfilmentOrderQuery(RequestQuery):
    status: FulfilmentStatusName | None = None
    market: MarketCodeIn | None = None
    location: Annotated[str, StringConstraints(max_length=MAX_CODE)] | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class AllocateQuery(RequestQuery):
    market: MarketCodeIn | None = None


class AllocatedOut(ResponseBody):
    events: int
    allocated: int
    unallocated: int
    cancelled: int
    retried: int

    @classmethod
    def of(cls, done: Allocated) -> AllocatedOut:
        return cls(
            events=done.events,
            allocated=done.allocated,
            unallocated=done.unallocated,
            cancelled=done.cancelled,
            retried=done.retried,
        )


class ShipmentOut(ResponseBody):
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, shipment: Shipment) -> ShipmentOut:
        return cls(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=shipment.shipped_at,
            delivered_at=shipment.delivered_at,
        )


class OrderFulfilmentOut(ResponseBody):
    status: str = Field(
        description="pending (no fulfilment order yet: unpaid, or waiting for the allocator),"
        " or the least advanced of its fulfilment orders: unallocated, allocated, picking,"
        " packed, shipped, delivered, cancelled."
    )
    shipments: list[ShipmentOut]
