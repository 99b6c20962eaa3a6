"""The relays' table.

Keep it in step with ``migrations/versions/relay_*``: tests/integration/test_migrations.py
compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import metadata

relay_cursors = Table(
    "relay_cursors",
    metadata,
    Column("name", String(200), primary_key=True),
    # The feed's EventCursor as text ("xid-seq"), after the last event the broker acknowledged.
    Column("cursor", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
