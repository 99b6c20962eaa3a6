"""The cash-on-delivery collector's place in the order event feed.

Keep it in step with ``migrations/versions/0009_payment_methods.py``:
tests/integration/test_migrations.py compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import metadata

cash_cursors = Table(
    "cash_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    # The feed's EventCursor as text ("xid-seq"), after the last delivery read.
    Column("cursor", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
