"""Bodies of click & collect: an order's delivery choice, and the stores that can hand an order
over."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from flashsale.fulfilment.domain.order import FulfilmentOrder
from flashsale.http.schemas.base import RequestBody, ResponseBody
from flashsale.http.schemas.stores import PublicStoreOut, PublicStoreQuery
from flashsale.orders.domain.delivery import MAX_STORE_CODE, Delivery
from flashsale.stores.domain.pickup import Pickup
from flashsale.stores.domain.transfer import in_transit
from flashsale.stores.service.pickup import PickupStore
from flashsale.stores.service.pickups import Collected
from flashsale.stores.service.transfers import StoreDelivery

StoreCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_STORE_CODE),
    Field(examples=["MH-BLR"]),
]
MAX_PICKUP_QUANTITY = 1_000  # far above any flash sale's limit per customer


class DeliveryIn(RequestBody):
    method: Literal["ship", "pickup"]
    store: StoreCode | None = Field(default=None, description="The pickup store's code.")


class DeliveryChoiceOut(ResponseBody):
    order_id: str
    method: Literal["ship", "pickup"]
    store: str | None

    @classmethod
    def of(cls, order_id: str, delivery: Delivery) -> DeliveryChoiceOut:
        return cls(order_id=order_id, method=delivery.method.value, store=delivery.store)


class PickupStoreQuery(PublicStoreQuery):
    """With ``sku``: only the stores that can hand over ``quantity`` of it now."""

    sku: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    quantity: int = Field(default=1, ge=1, le=MAX_PICKUP_QUANTITY)


class PickupStoreOut(PublicStoreOut):
    available: int | None = Field(
        default=None, description="Free units of the asked SKU on the store's shelf now."
    )
    by_transfer: bool = Field(
        default=False, description="The shelf is short: the order is sent from a DC first."
    )
    ready_from: date | None = Field(
        default=None, description="The store's local day the order can be ready, at the earliest."
    )

    @classmethod
    def of_pickup(cls, found: PickupStore) -> PickupStoreOut:
        return cls(
            **PublicStoreOut.of(found.store).model_dump(),
            available=found.free,
            by_transfer=found.by_transfer,
            ready_from=found.ready_from,
        )


class PickupStoreListOut(ResponseBody):
    market: str
    stores: list[PickupStoreOut]


class PickupOut(ResponseBody):
    order_id: str
    store: str
    status: Literal["ready", "collected", "expired"]
    code: str = Field(description="The six-digit pickup code, asked for at the counter.")
    qr_text: str = Field(
        description="What the code's QR encodes (the code itself), as the order's page draws it."
    )
    ready_at: datetime
    collect_by: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, pickup: Pickup) -> PickupOut:
        return cls(
            order_id=pickup.order_id,
            store=pickup.store,
            status=pickup.status.value,
            code=pickup.code,
            qr_text=pickup.qr_text,
            ready_at=pickup.ready_at,
            collect_by=pickup.due_at,
            closed_at=pickup.closed_at,
        )


class CollectedOut(ResponseBody):
    order_id: str
    store: str
    sku: str
    quantity: int
    status: Literal["ready", "collected", "expired"]

    @classmethod
    def of(cls, collected: Collected) -> CollectedOut:
        p, order = collected.pickup, collected.order
        return cls(
            order_id=p.order_id,
            store=p.store,
            sku=order.sku,
            quantity=order.quantity,
            status=p.status.value,
        )


class TransferOut(ResponseBody):
    """A pickup sent from a DC to its store: ``in_transit`` until the store receives it, then
    ``received`` (on the store's shelf, to be set aside as any pickup)."""

    order_id: str
    fulfilment_order_id: str
    location: str = Field(description="Where its units are: the DC, then the store.")
    sku: str
    quantity: int
    status: Literal["in_transit", "received"]
    paid_at: datetime

    @classmethod
    def of(cls, fo: FulfilmentOrder) -> TransferOut:
        return cls(
            order_id=fo.source_id,
            fulfilment_order_id=fo.id,
            location=fo.location or "",
            sku=fo.sku,
            quantity=fo.quantity,
            status="in_transit" if in_transit(fo) else "received",
            paid_at=fo.paid_at,
        )


class TransferListOut(ResponseBody):
    transfers: list[TransferOut]


class TransferLineOut(ResponseBody):
    sku: str
    quantity: int


class StoreDeliveryOut(ResponseBody):
    """The pickups a DC sends one store, to go together: what to pick, and the orders."""

    store: str
    orders: int
    units: int
    lines: list[TransferLineOut] = Field(description="What to pick for it, by SKU.")
    transfers: list[TransferOut]

    @classmethod
    def of(cls, delivery: StoreDelivery) -> StoreDeliveryOut:
        lines = [TransferLineOut(sku=sku, quantity=quantity) for sku, quantity in delivery.lines]
        return cls(
            store=delivery.store,
            orders=len(delivery.fulfilment_orders),
            units=sum(line.quantity for line in lines),
            lines=lines,
            transfers=[TransferOut.of(fo) for fo in delivery.fulfilment_orders],
        )


class StoreDeliveryListOut(ResponseBody):
    location: str
    deliveries: list[StoreDeliveryOut]
