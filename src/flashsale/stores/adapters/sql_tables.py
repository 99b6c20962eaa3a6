"""The stores' tables: store profiles with their receipt counter, clerks, tills, POS sales,
their lines and returns.

Keep them in step with ``migrations/versions/stores_000*``: tests/integration/
test_migrations.py compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from flashsale.platform.sql.columns import Amount, UtcDateTime
from flashsale.platform.sql.metadata import CURRENCY, ID, SKU, metadata

LOCATION_CODE = String(32)

stores = Table(
    "stores",
    metadata,
    Column("code", LOCATION_CODE, ForeignKey("locations.code"), primary_key=True),
    # [[opens, closes] | null] * 7, Monday first: read whole with the store.
    Column("hours", JSON, nullable=False),
    Column("pickup", Boolean, nullable=False),
    Column("pickup_days", Integer, nullable=False),
    Column("ships_online", Boolean, nullable=False),
    Column("pickup_by_transfer", Boolean, nullable=False),  # stores_0002
    Column("transfer_days", Integer, nullable=False),
    # The last receipt number given: a sale takes the next in its own transaction (gap-free).
    Column("last_receipt", Integer, nullable=False),
)

store_clerks = Table(
    "store_clerks",
    metadata,
    Column("store_code", LOCATION_CODE, ForeignKey("stores.code"), primary_key=True),
    Column("staff_id", ID, ForeignKey("staff_members.id"), primary_key=True),
    Index("ix_store_clerks_staff_id", "staff_id"),
)

tills = Table(
    "tills",
    metadata,
    Column("id", ID, primary_key=True),
    Column("store_code", LOCATION_CODE, ForeignKey("stores.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_tills_store_code", "store_code"),
)

pos_sales = Table(
    "pos_sales",
    metadata,
    Column("id", ID, primary_key=True),
    Column("store_code", LOCATION_CODE, ForeignKey("stores.code"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("till_id", ID, ForeignKey("tills.id"), nullable=False),
    Column("clerk_id", ID, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("total", Amount, nullable=False),
    Column("method", String(8), nullable=False),
    Column("tendered", Amount, nullable=False),
    Column("change_due", Amount, nullable=False),
    Column("card_reference", String(100), nullable=True),
    Column("card_last4", String(4), nullable=True),
    Column("customer_email", String(254), nullable=True),
    Column("idempotency_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("store_code", "number", name="uq_pos_sales_store_number"),
    UniqueConstraint("store_code", "idempotency_key", name="uq_pos_sales_store_key"),
    CheckConstraint("method IN ('cash', 'card')", name="method_known"),
)

pos_sale_lines = Table(
    "pos_sale_lines",
    metadata,
    Column("sale_id", ID, ForeignKey("pos_sales.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", SKU, ForeignKey("variants.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Amount, nullable=False),
    Column("returned", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("returned >= 0 AND returned <= quantity", name="returned_within_sold"),
)

pos_returns = Table(
    "pos_returns",
    metadata,
    Column("id", ID, primary_key=True),
    Column("sale_id", ID, ForeignKey("pos_sales.id"), nullable=False),
    Column("store_code", LOCATION_CODE, nullable=False),
    Column("lines", JSON, nullable=False),  # [[sku, quantity], ...]
    Column("restock", Boolean, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("refund", Amount, nullable=False),
    Column("refund_reference", String(100), nullable=True),
    Column("actor", String(80), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_pos_returns_sale_id", "sale_id"),
)
