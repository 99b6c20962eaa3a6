"""The inventory's tables: locations, the stock ledger, the levels it adds up to, allotments.

Keep them in step with ``migrations/versions/inventory_0001_*``: tests/integration/
test_migrations.py compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
)

from flashsale.inventory.domain.location import LocationKind
from flashsale.inventory.domain.stock import MoveKind
from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, MARKET_CODE, SKU, metadata

LOCATION_CODE = String(32)


def _one_of(column: str, values: list[str], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=name)


locations = Table(
    "locations",
    metadata,
    Column("code", LOCATION_CODE, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), nullable=False),
    Column("address", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("capacity_per_hour", Integer, nullable=False),
    Column("cutoff", Time, nullable=False),
    # [[region, rank], ...]: read whole with the location, never queried by region.
    Column("regions", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    _one_of("kind", [k.value for k in LocationKind], "kind_known"),
    Index("ix_locations_market_code", "market_code"),
)

# One row per (location, SKU), moved in the same transaction as the ledger rows that explain it.
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("location", LOCATION_CODE, ForeignKey("locations.code"), primary_key=True),
    Column("sku", SKU, ForeignKey("variants.sku"), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("allocated", Integer, nullable=False),
    Column("committed", Integer, nullable=False),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("allocated >= 0 AND committed >= 0", name="promises_not_negative"),
    CheckConstraint("allocated + committed <= on_hand", name="promises_within_on_hand"),
)

# Append-only: nothing updates or deletes a move.
stock_moves = Table(
    "stock_moves",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("location", LOCATION_CODE, ForeignKey("locations.code"), nullable=False),
    Column("sku", SKU, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("on_hand_change", Integer, nullable=False),
    Column("allocated_change", Integer, nullable=False),
    Column("reference", String(200), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    _one_of("kind", [k.value for k in MoveKind], "kind_known"),
    Index("ix_stock_moves_location_sku", "location", "sku"),
)

allotments = Table(
    "allotments",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    Column("location", LOCATION_CODE, ForeignKey("locations.code"), primary_key=True),
    Column("sku", SKU, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("drawn", Integer, nullable=False),
    Column("closed", Boolean, nullable=False),
    CheckConstraint("drawn >= 0 AND drawn <= quantity", name="drawn_within_quantity"),
)
