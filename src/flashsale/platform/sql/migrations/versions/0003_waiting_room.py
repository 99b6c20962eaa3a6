"""Waiting rooms: per-sale settings, the seed and its commitment, the published pre-queue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "waiting_rooms",
        sa.Column("sale_id", ID, nullable=False),
        sa.Column("admission_rate_per_second", sa.Double(), nullable=False),
        sa.Column("shuffle_pre_queue", sa.Boolean(), nullable=False),
        sa.Column("token_lifetime_seconds", sa.Double(), nullable=False),
        sa.Column("pow_difficulty", sa.Integer(), nullable=False),
        sa.Column("registrations_per_address", sa.Integer(), nullable=True),
        sa.Column("customer_requests_per_second", sa.Double(), nullable=False),
        sa.Column("address_requests_per_second", sa.Double(), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("sealed_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name="fk_waiting_rooms_sale_id"),
        sa.PrimaryKeyConstraint("sale_id", name="pk_waiting_rooms"),
    )
    op.create_table(
        "queue_positions",
        sa.Column("sale_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name="fk_queue_positions_sale_id"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_queue_positions_customer_id"
        ),
        sa.PrimaryKeyConstraint("sale_id", "position", name="pk_queue_positions"),
        sa.UniqueConstraint(
            "sale_id", "customer_id", name="uq_queue_positions_sale_id_customer_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("queue_positions")
    op.drop_table("waiting_rooms")
