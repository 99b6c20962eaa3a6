"""``store_pickups``: click & collect orders set aside on a store's shelf.

Keep it in step with ``migrations/versions/pickup_0002_store_pickups.py``.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, text

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, metadata
from flashsale.stores.adapters.sql_tables import LOCATION_CODE
from flashsale.stores.domain.pickup import PickupStatus

store_pickups = Table(
    "store_pickups",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("store", LOCATION_CODE, ForeignKey("stores.code"), nullable=False),
    Column("fulfilment_order_id", ID, nullable=False),
    # Plain: the customer's page shows it again, and a hash of one of a million codes hides
    # nothing; the wrong-code limit per store is what protects it.
    Column("code", String(6), nullable=False),
    Column("status", String(16), nullable=False),
    Column("ready_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("clerk", ID, nullable=True),
    CheckConstraint(
        "status IN ({})".format(", ".join(f"'{s.value}'" for s in PickupStatus)),
        name="status_known",
    ),
    # A code is unique among the store's open pickups only: a million codes are reused.
    Index(
        "uq_store_pickups_store_code_ready",
        "store",
        "code",
        unique=True,
        sqlite_where=text("status = 'ready'"),
        postgresql_where=text("status = 'ready'"),
    ),
    Index("ix_store_pickups_status_due_at", "status", "due_at"),
)
