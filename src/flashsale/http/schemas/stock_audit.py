"""The stock audit's query and its per-SKU accounting of every door
(``GET /api/v1/admin/stock/audit?sku=``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from flashsale.http.schemas.base import RequestQuery, ResponseBody
from flashsale.inventory.domain.audit import SkuStock


class StockAuditQuery(RequestQuery):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="Only this SKU's levels, moves and doors."
    )


class DoorOut(ResponseBody):
    door: str = Field(description="web, click & collect, stores, partners (or unknown)")
    shipped: int
    returned: int
    sold: int = Field(description="shipped less returned")


class SkuStockOut(ResponseBody):
    """received = Σ doors' sold + in_pools + on_hand + written_off, when ``balanced``."""

    sku: str
    received: int
    doors: list[DoorOut]
    in_pools: int
    on_hand: int = Field(description="units on the shelves outside the partners' pools")
    written_off: int
    accounted: int
    balanced: bool

    @classmethod
    def of(cls, row: SkuStock) -> SkuStockOut:
        return cls(
            sku=row.sku,
            received=row.received,
            doors=[
                DoorOut(door=d.door.value, shipped=d.shipped, returned=d.returned, sold=d.sold)
                for d in row.doors
            ],
            in_pools=row.in_pools,
            on_hand=row.on_hand,
            written_off=row.written_off,
            accounted=row.accounted,
            balanced=row.balanced,
        )
