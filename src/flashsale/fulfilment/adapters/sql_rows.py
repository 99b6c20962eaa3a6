"""Rows of fulfilment's tables as the domain's values, and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.settings import MarketFulfilment, Strategy

COLUMNS = (
    "id",
    "source_kind",
    "source_id",
    "part",
    "sale_id",
    "market_code",
    "sku",
    "quantity",
    "region",
    "status",
    "location",
    "from_allotment",
    "reason",
    "paid_at",
    "updated_at",
)


def fulfilment_row(fo: FulfilmentOrder) -> dict[str, Any]:
    return {
        "id": fo.id,
        "source_kind": fo.source_kind.value,
        "source_id": fo.source_id,
        "part": fo.part,
        "sale_id": fo.sale_id,
        "market_code": fo.market_code,
        "sku": fo.sku,
        "quantity": fo.quantity,
        "region": fo.region,
        "status": fo.status.value,
        "location": fo.location,
        "from_allotment": fo.from_allotment,
        "reason": fo.reason,
        "paid_at": fo.paid_at,
        "updated_at": fo.updated_at,
    }


def fulfilment_of(row: RowMapping) -> FulfilmentOrder:
    return FulfilmentOrder(
        id=row["id"],
        source_kind=SourceKind(row["source_kind"]),
        source_id=row["source_id"],
        part=row["part"],
        sale_id=row["sale_id"],
        market_code=row["market_code"],
        sku=row["sku"],
        quantity=row["quantity"],
        region=row["region"],
        status=FulfilmentStatus(row["status"]),
        location=row["location"],
        from_allotment=row["from_allotment"],
        reason=row["reason"],
        paid_at=row["paid_at"],
        updated_at=row["updated_at"],
    )


def settings_row(settings: MarketFulfilment) -> dict[str, Any]:
    return {
        "market_code": settings.market_code,
        "strategy": settings.strategy.value,
        "ranked_locations": list(settings.ranked_locations),
        "allow_split": settings.allow_split,
        "return_window_days": settings.return_window_days,
        "cutoff": settings.cutoff,
    }


def settings_of(row: RowMapping) -> MarketFulfilment:
    return MarketFulfilment(
        market_code=row["market_code"],
        strategy=Strategy(row["strategy"]),
        ranked_locations=tuple(row["ranked_locations"]),
        allow_split=row["allow_split"],
        return_window_days=row["return_window_days"],
        cutoff=row["cutoff"],
    )
