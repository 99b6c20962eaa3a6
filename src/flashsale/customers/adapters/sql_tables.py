"""The customers' table.

Keep it in step with ``migrations/versions``: tests/integration/test_migrations.py compares the
migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, MARKET_CODE, metadata

customers = Table(
    "customers",
    metadata,
    Column("id", ID, primary_key=True),
    # Lowercased by the domain before it gets here, so a plain unique index is case-blind.
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
