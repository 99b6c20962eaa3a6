"""``order_events.order_id`` without its foreign key to ``orders``.

Every event row is written by the shop itself in the transaction that changes its order (the
group commit, payment, cancels) or after the order was stored (the allocator's
``fulfilment.allocated``), and no order is ever deleted: the key checked what the writers
guarantee, at a cost to every one of them. On PostgreSQL the check was ~40 % of the allocator's
COPY of its events (10,000 a batch: 201 -> 127 ms and 204 -> 134 ms without it, 1,000,000
orders 13 % faster, benchmarks/fulfilment.py on a scratch copy). SQLite cannot drop a
constraint: the table is rebuilt (batch mode), its rows, ids and indexes kept.

Revision ID: orders_0004
Revises: orders_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "orders_0004"
down_revision: str | None = "orders_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_order_events_order_id"
XID_INDEX = "ix_order_events_xid_seq"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FOREIGN_KEY, "order_events", type_="foreignkey")
        return
    with op.batch_alter_table("order_events", recreate="always") as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
    _partial_xid_index()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(FOREIGN_KEY, "order_events", "orders", ["order_id"], ["id"])
        return
    with op.batch_alter_table("order_events", recreate="always") as batch:
        batch.create_foreign_key(FOREIGN_KEY, "orders", ["order_id"], ["id"])
    _partial_xid_index()


def _partial_xid_index() -> None:
    # A rebuilt table's indexes come from reflection, which does not carry a partial index's
    # WHERE (orders_0003): made again as it was.
    op.drop_index(XID_INDEX, "order_events")
    op.create_index(
        XID_INDEX, "order_events", ["xid", "seq"], sqlite_where=sa.text("xid IS NOT NULL")
    )
