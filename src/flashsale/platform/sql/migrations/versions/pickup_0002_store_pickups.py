"""Click & collect: ``store_pickups`` (orders set aside on a store's shelf with their code).

Revision ID: pickup_0002
Revises: pickup_0001
Create Date: 2027-02-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pickup_0002"
down_revision: str | None = "pickup_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
READY = sa.text("status = 'ready'")


def upgrade() -> None:
    op.create_table(
        "store_pickups",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("store", sa.String(32), nullable=False),
        sa.Column("fulfilment_order_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ready_at", MOMENT, nullable=False),
        sa.Column("due_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.Column("clerk", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "status IN ('ready', 'collected', 'expired')", name="ck_store_pickups_status_known"
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_store_pickups_order_id"),
        sa.ForeignKeyConstraint(["store"], ["stores.code"], name="fk_store_pickups_store"),
        sa.PrimaryKeyConstraint("order_id", name="pk_store_pickups"),
    )
    op.create_index(
        "uq_store_pickups_store_code_ready",
        "store_pickups",
        ["store", "code"],
        unique=True,
        sqlite_where=READY,
        postgresql_where=READY,
    )
    op.create_index("ix_store_pickups_status_due_at", "store_pickups", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_store_pickups_status_due_at", table_name="store_pickups")
    op.drop_index("uq_store_pickups_store_code_ready", table_name="store_pickups")
    op.drop_table("store_pickups")
