"""The waiting room's tables: a sale's room (settings, the secret seed and its public
commitment) and the published order of its pre-queue, which ``flashsale sale verify-queue``
checks against the seed.

Keep them in step with ``migrations/versions``: tests/integration/test_migrations.py compares
the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Double,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, metadata

waiting_rooms = Table(
    "waiting_rooms",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    Column("admission_rate_per_second", Double, nullable=False),
    Column("shuffle_pre_queue", Boolean, nullable=False),
    Column("token_lifetime_seconds", Double, nullable=False),
    Column("pow_difficulty", Integer, nullable=False),
    Column("registrations_per_address", Integer, nullable=True),
    Column("customer_requests_per_second", Double, nullable=False),
    Column("address_requests_per_second", Double, nullable=False),
    Column("seed", String(64), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sealed_at", UtcDateTime, nullable=True),
)

queue_positions = Table(
    "queue_positions",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False),
    UniqueConstraint("sale_id", "customer_id", name="uq_queue_positions_sale_id_customer_id"),
)
