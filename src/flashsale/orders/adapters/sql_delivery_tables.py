"""``order_deliveries``: how a reserved order is to reach its customer (click & collect), a table
of its own beside ``orders`` so the purchase path's group commit never writes or reads it.

Keep it in step with ``migrations/versions/pickup_0001_order_deliveries.py``.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table

from flashsale.orders.domain.delivery import MAX_STORE_CODE, DeliveryMethod
from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, metadata

order_deliveries = Table(
    "order_deliveries",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("method", String(8), nullable=False),
    Column("store", String(MAX_STORE_CODE), nullable=True),  # the pickup store's location code
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint(
        "method IN ({})".format(", ".join(f"'{m.value}'" for m in DeliveryMethod)),
        name="method_known",
    ),
    CheckConstraint("(method = 'pickup') = (store IS NOT NULL)", name="store_iff_pickup"),
    Index("ix_order_deliveries_store", "store"),
)
