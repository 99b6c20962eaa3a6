"""Fulfilment: ``fulfilment_orders`` (one per order per location), the allocators'
``fulfilment_cursors`` in the order event feed, and each market's ``market_fulfilment``.
The first revision of fulfilment's own branch.

Revision ID: fulfilment_0001
Revises: (none: a branch of its own)
Depends on: 0008 (markets; the fulfilment orders name orders, sales and locations without
foreign keys: the hot table of allocation)
Create Date: 2027-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fulfilment_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("fulfilment",)
depends_on: str | Sequence[str] | None = "0008"

MOMENT = sa.DateTime(timezone=True)
STATUSES = "'unallocated', 'allocated', 'picking', 'packed', 'shipped', 'delivered', 'cancelled'"


def upgrade() -> None:
    op.create_table(
        "fulfilment_orders",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.String(64), nullable=True),
        sa.Column("market_code", sa.String(2), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("location", sa.String(32), nullable=True),
        sa.Column("from_allotment", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paid_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.CheckConstraint(
            "source_kind IN ('order', 'partner', 'pickup')",
            name="ck_fulfilment_orders_source_kind_known",
        ),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_fulfilment_orders_status_known"),
        sa.CheckConstraint("quantity > 0", name="ck_fulfilment_orders_quantity_positive"),
        sa.CheckConstraint(
            "from_allotment >= 0 AND from_allotment <= quantity",
            name="ck_fulfilment_orders_from_allotment_within",
        ),
        sa.CheckConstraint(
            "location IS NOT NULL OR status IN ('unallocated', 'cancelled')",
            name="ck_fulfilment_orders_located_unless_unallocated",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_fulfilment_orders"),
        sa.UniqueConstraint("source_kind", "source_id", "part", name="uq_fulfilment_orders_source"),
    )
    op.create_index(
        "ix_fulfilment_orders_status_location",
        "fulfilment_orders",
        ["status", "location", "paid_at"],
    )
    op.create_table(
        "fulfilment_cursors",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_fulfilment_cursors"),
    )
    op.create_table(
        "market_fulfilment",
        sa.Column("market_code", sa.String(2), nullable=False),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("ranked_locations", sa.JSON(), nullable=False),
        sa.Column("allow_split", sa.Boolean(), nullable=False),
        sa.Column("return_window_days", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "strategy IN ('nearest', 'ranked', 'most_stock')",
            name="ck_market_fulfilment_strategy_known",
        ),
        sa.ForeignKeyConstraint(
            ["market_code"], ["markets.code"], name="fk_market_fulfilment_market_code"
        ),
        sa.PrimaryKeyConstraint("market_code", name="pk_market_fulfilment"),
    )


def downgrade() -> None:
    op.drop_table("market_fulfilment")
    op.drop_table("fulfilment_cursors")
    op.drop_index("ix_fulfilment_orders_status_location", table_name="fulfilment_orders")
    op.drop_table("fulfilment_orders")
