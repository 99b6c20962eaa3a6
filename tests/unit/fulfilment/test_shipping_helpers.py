"""A fulfilment order to ship, built directly."""

from __future__ import annotations

from datetime import datetime

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind


def fulfilment_order(paid_at: datetime, region: str | None) -> FulfilmentOrder:
    return FulfilmentOrder(
        "fo_1", SourceKind.ORDER, "ord_1", 0, "sale_1", "IN", "SKU", 1, region,
        FulfilmentStatus.PACKED, "DC-BLR", 0, "", paid_at, paid_at,
    )  # fmt: skip
