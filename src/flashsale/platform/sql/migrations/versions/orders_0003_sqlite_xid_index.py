"""On SQLite, the feed's ``(xid, seq)`` index holds only rows that have an ``xid`` (none).

``xid`` is the writing transaction's id on PostgreSQL, where the feed is read by (xid, seq).
SQLite leaves it NULL and reads by ``seq`` alone (orders/adapters/sql_events.py), so there the
index was a second copy of ``seq`` that every event row paid for: one more B-tree to insert
into and one more page to write to the WAL a group commit. Partial, it stays empty on SQLite
and the name stays the one the metadata and PostgreSQL know; PostgreSQL's index is unchanged.

Revision ID: orders_0003
Revises: orders_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orders_0003"
down_revision: str | None = "orders_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_order_events_xid_seq"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, "order_events")
        op.create_index(
            INDEX, "order_events", ["xid", "seq"], sqlite_where=sa.text("xid IS NOT NULL")
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, "order_events")
        op.create_index(INDEX, "order_events", ["xid", "seq"])
