"""The customers' saved addresses (their address books).

Keep it in step with ``migrations/versions/customers_0001_saved_addresses.py``:
tests/integration/test_migrations.py compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, metadata

# The lengths are those of an order's address (orders/domain/shipping.py).
saved_addresses = Table(
    "saved_addresses",
    metadata,
    Column("id", ID, primary_key=True),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False),
    Column("recipient", String(120), nullable=False),
    Column("line1", String(200), nullable=False),
    Column("line2", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("phone", String(30), nullable=False),
    Column("country", String(2), nullable=False),
    Column("region", String(6), nullable=True),
    Column("is_default", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_saved_addresses_customer_id", "customer_id"),
)
