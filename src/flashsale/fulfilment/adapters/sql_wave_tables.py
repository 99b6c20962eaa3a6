"""Waves and the fulfilment orders they hold; shipments; returns.

Keep them in step with ``migrations/versions/fulfilment_0002_*``: tests/integration/
test_migrations.py compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from flashsale.inventory.adapters.sql_tables import LOCATION_CODE
from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, MARKET_CODE, SKU, metadata

waves = Table(
    "waves",
    metadata,
    Column("id", ID, primary_key=True),
    Column("location", LOCATION_CODE, nullable=False),
    Column("cut_at", UtcDateTime, nullable=False),
    Column("cut_by", String(80), nullable=False),
    Column("orders", Integer, nullable=False),
    CheckConstraint("orders > 0", name="orders_positive"),
    # A location's waves of the last hour: what is left of its capacity.
    Index("ix_waves_location", "location", "cut_at"),
)

# The key is the fulfilment order: an order is in one wave at most, whatever raced to cut it.
wave_orders = Table(
    "wave_orders",
    metadata,
    Column("fulfilment_order_id", ID, primary_key=True),
    Column("wave_id", ID, ForeignKey("waves.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Index("ix_wave_orders_wave_id", "wave_id", "position"),
)

# A fulfilment order ships as one parcel: its id is the key.
shipments = Table(
    "shipments",
    metadata,
    Column("fulfilment_order_id", ID, primary_key=True),
    Column("order_id", ID, nullable=False),
    Column("location", LOCATION_CODE, nullable=False),
    Column("sku", SKU, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("carrier", String(40), nullable=False),
    Column("tracking_number", String(64), nullable=False),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    Index("ix_shipments_order_id", "order_id"),
    # The parcels in transit, the soonest due first (the carrier's delivery step).
    Index("ix_shipments_due", "delivered_at", "due_at"),
)

returns = Table(
    "returns",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, nullable=False),
    Column("customer_id", ID, nullable=False),
    Column("market_code", MARKET_CODE, nullable=False),
    Column("sku", SKU, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("location", LOCATION_CODE, nullable=True),
    Column("resellable", Boolean, nullable=True),
    Column("refund_id", ID, nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "status IN ('requested', 'approved', 'declined', 'received', 'refunded', 'closed',"
        " 'cancelled')",
        name="status_known",
    ),
    Index("ix_returns_order_id", "order_id"),
    # The returns queue: by status, the oldest asked first.
    Index("ix_returns_status", "status", "requested_at"),
)
