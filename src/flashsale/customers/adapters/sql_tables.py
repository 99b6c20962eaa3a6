"""The customers' table.

Keep it in step with ``migrations/versions``: tests/integration/test_migrations.py compares the
migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

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
    Column("session_generation", Integer, nullable=False, server_default="0"),
)

# Every API process polls the newest rows; expired ones are deleted now and then.
session_revocations = Table(
    "session_revocations",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("session_id", ID, nullable=True),
    Column("generation", Integer, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_session_revocations_revoked_at", "revoked_at"),
    Index("ix_session_revocations_expires_at", "expires_at"),
)
