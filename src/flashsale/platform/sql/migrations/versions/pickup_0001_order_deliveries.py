"""Click & collect: ``order_deliveries`` (how a reserved order is to reach its customer: shipped,
or picked up at a store). The first revision of the pickup branch.

Revision ID: pickup_0001
Revises: (none: a branch of its own)
Depends on: 0008 (orders), stores_0001 (the stores picked up at)
Create Date: 2027-02-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pickup_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("pickup",)
depends_on: str | Sequence[str] | None = ("0008", "stores_0001")


def upgrade() -> None:
    op.create_table(
        "order_deliveries",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("store", sa.String(32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method IN ('ship', 'pickup')", name="ck_order_deliveries_method_known"),
        sa.CheckConstraint(
            "(method = 'pickup') = (store IS NOT NULL)", name="ck_order_deliveries_store_iff_pickup"
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_deliveries_order_id"),
        sa.PrimaryKeyConstraint("order_id", name="pk_order_deliveries"),
    )
    op.create_index("ix_order_deliveries_store", "order_deliveries", ["store"])


def downgrade() -> None:
    op.drop_index("ix_order_deliveries_store", table_name="order_deliveries")
    op.drop_table("order_deliveries")
