"""Bodies of the warehouse's work after allocation: waves and their pick lines, shipments,
returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from flashsale.fulfilment.domain.returns import MAX_REASON, Return
from flashsale.fulfilment.domain.shipments import MAX_CARRIER, MAX_ROWS, SANDBOX, Shipment
from flashsale.fulfilment.domain.waves import MAX_WAVE_ORDERS, Wave
from flashsale.http.schemas.base import RequestBody, RequestQuery, ResponseBody
from flashsale.http.schemas.fulfilment import FulfilmentOrderOut
from flashsale.inventory.domain.stock import MAX_QUANTITY


class WaveIn(RequestBody):
    max_orders: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WAVE_ORDERS,
        description="At most this many orders; by default what the location's capacity for"
        " the coming hour leaves.",
    )


class PickLineOut(ResponseBody):
    sku: str
    quantity: int
    orders: int


class WaveOut(ResponseBody):
    id: str
    location: str
    cut_at: datetime
    cut_by: str
    units: int
    lines: list[PickLineOut] = Field(description="The wave's units by SKU.")
    fulfilment_orders: list[FulfilmentOrderOut] = Field(description="In paid-time order.")

    @classmethod
    def of(cls, wave: Wave) -> WaveOut:
        return cls(
            id=wave.id,
            location=wave.location,
            cut_at=wave.cut_at,
            cut_by=wave.cut_by,
            units=wave.units,
            lines=[
                PickLineOut(sku=x.sku, quantity=x.quantity, orders=x.orders) for x in wave.lines
            ],
            fulfilment_orders=[FulfilmentOrderOut.of(fo) for fo in wave.orders],
        )


class WaveSummaryOut(ResponseBody):
    id: str
    location: str
    cut_at: datetime
    cut_by: str
    orders: int
    units: int

    @classmethod
    def of(cls, wave: Wave) -> WaveSummaryOut:
        return cls(
            id=wave.id,
            location=wave.location,
            cut_at=wave.cut_at,
            cut_by=wave.cut_by,
            orders=len(wave.orders),
            units=wave.units,
        )


class WaveListOut(ResponseBody):
    waves: list[WaveSummaryOut]


class WaveQuery(RequestQuery):
    location: str | None = Field(default=None, max_length=32)
    limit: int = Field(default=20, ge=1, le=200)


Carrier = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CARRIER)]
Tracking = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9-]{0,64}$"),
    Field(description="Empty: the carrier gives one."),
]


class ShipIn(RequestBody):
    carrier: Carrier = SANDBOX
    tracking_number: Tracking = ""


class ShipmentRowIn(RequestBody):
    fulfilment_order: str = Field(min_length=1, max_length=64)
    carrier: Carrier = SANDBOX
    tracking: Tracking = ""


class ShipmentsIn(RequestBody):
    """Or the same as CSV (``Content-Type: text/csv``): ``fulfilment_order,carrier,tracking``
    lines, a header line of those names allowed."""

    shipments: list[ShipmentRowIn] = Field(min_length=1, max_length=MAX_ROWS)


class ParcelOut(ResponseBody):
    fulfilment_order_id: str
    order_id: str
    location: str
    sku: str
    quantity: int
    carrier: str
    tracking_number: str
    shipped_at: datetime
    due_at: datetime = Field(description="When the carrier expects to deliver it.")
    delivered_at: datetime | None

    @classmethod
    def of(cls, x: Shipment) -> ParcelOut:
        return cls(
            fulfilment_order_id=x.fulfilment_order_id,
            order_id=x.order_id,
            location=x.location,
            sku=x.sku,
            quantity=x.quantity,
            carrier=x.carrier,
            tracking_number=x.tracking_number,
            shipped_at=x.shipped_at,
            due_at=x.due_at,
            delivered_at=x.delivered_at,
        )


class ParcelListOut(ResponseBody):
    shipments: list[ParcelOut]


class DeliveredOut(ResponseBody):
    delivered: int = Field(description="Parcels recorded delivered now.")


class ReturnIn(RequestBody):
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class ReceiveIn(RequestBody):
    location: str = Field(min_length=2, max_length=32, examples=["DC-BJ"])
    resellable: bool = Field(description="Into stock; otherwise received and written off.")


class ReturnOut(ResponseBody):
    id: str
    order_id: str
    market: str
    sku: str
    quantity: int
    reason: str
    status: str = Field(
        description="requested, approved, declined, received, refunded, closed, cancelled"
    )
    requested_at: datetime
    updated_at: datetime
    location: str | None
    resellable: bool | None
    refund_id: str | None

    @classmethod
    def of(cls, x: Return) -> ReturnOut:
        return cls(
            id=x.id,
            order_id=x.order_id,
            market=x.market_code,
            sku=x.sku,
            quantity=x.quantity,
            reason=x.reason,
            status=x.status.value,
            requested_at=x.requested_at,
            updated_at=x.updated_at,
            location=x.location,
            resellable=x.resellable,
            refund_id=x.refund_id,
        )


class ReturnListOut(ResponseBody):
    returns: list[ReturnOut]


class ReturnQuery(RequestQuery):
    status: (
        Literal["requested", "approved", "declined", "received", "refunded", "closed", "cancelled"]
        | None
    ) = None
    limit: int = Field(default=100, ge=1, le=1000)
