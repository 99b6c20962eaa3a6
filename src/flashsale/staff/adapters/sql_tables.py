"""The staff's table.

Keep it in step with ``migrations/versions/staff_*``: tests/integration/test_migrations.py
compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, Text

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, metadata

staff_members = Table(
    "staff_members",
    metadata,
    Column("id", ID, primary_key=True),
    # Lowercased by the domain before it gets here, so a plain unique index is case-blind.
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    # Space-separated words the domain has checked (roles, market codes, language tags): they
    # are read with their member and never searched by.
    Column("roles", Text, nullable=False),
    Column("markets", Text, nullable=False),
    Column("languages", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("session_generation", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
