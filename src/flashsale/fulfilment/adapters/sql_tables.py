"""Fulfilment's tables: fulfilment orders, the allocators' cursors, the markets' settings.

Keep them in step with ``migrations/versions/fulfilment_0001_*``: tests/integration/
test_migrations.py compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)

from flashsale.fulfilment.domain.order import FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.settings import Strategy
from flashsale.inventory.adapters.sql_tables import LOCATION_CODE
from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, MARKET_CODE, SKU, metadata


def _one_of(column: str, values: list[str], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=name)


# Column order matters: the PostgreSQL batch writes rows of this table's own type. The hot
# table of allocation (a row per paid order, 3 million on a record day): no foreign keys (a
# check per row each; the allocator takes sale and location from the rows they name) and one
# index beside the keys, which serves both the unallocated list and a DC's allocated orders in
# paid order (waves).
fulfilment_orders = Table(
    "fulfilment_orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("source_kind", String(16), nullable=False),
    Column("source_id", ID, nullable=False),
    Column("part", Integer, nullable=False),
    Column("sale_id", ID, nullable=True),
    Column("market_code", MARKET_CODE, nullable=False),
    Column("sku", SKU, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("region", String(6), nullable=True),
    Column("status", String(16), nullable=False),
    Column("location", LOCATION_CODE, nullable=True),
    Column("from_allotment", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("paid_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # One per order per location: a replayed batch meets it and stores nothing twice.
    UniqueConstraint("source_kind", "source_id", "part", name="uq_fulfilment_orders_source"),
    _one_of("source_kind", [k.value for k in SourceKind], "source_kind_known"),
    _one_of("status", [s.value for s in FulfilmentStatus], "status_known"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "from_allotment >= 0 AND from_allotment <= quantity", name="from_allotment_within"
    ),
    # Placed somewhere unless it is waiting for stock (or was cancelled while it waited).
    CheckConstraint(
        "location IS NOT NULL OR status IN ('unallocated', 'cancelled')",
        name="located_unless_unallocated",
    ),
    Index("ix_fulfilment_orders_status_location", "status", "location", "paid_at"),
)

fulfilment_cursors = Table(
    "fulfilment_cursors",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("xid", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

market_fulfilment = Table(
    "market_fulfilment",
    metadata,
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), primary_key=True),
    Column("strategy", String(16), nullable=False),
    Column("ranked_locations", JSON, nullable=False),
    Column("allow_split", Boolean, nullable=False),
    Column("return_window_days", Integer, nullable=False),
    Column("cutoff", Time, nullable=False),
    _one_of("strategy", [s.value for s in Strategy], "strategy_known"),
)
