"""Channels: ``channel_returns``, a partner's cancellations and returns of its lines.

Revision ID: channels_0002
Revises: channels_0001
Create Date: 2027-02-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "channels_0002"
down_revision: str | None = "channels_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_returns",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("problem", sa.String(32), nullable=False),
        sa.Column("location", sa.String(32), nullable=True),
        sa.Column("fulfilment_order_id", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('cancellation', 'return')", name="ck_channel_returns_return_kind_known"
        ),
        sa.CheckConstraint(
            "outcome IN ('released', 'restocked', 'written-off', 'recorded', 'rejected')",
            name="ck_channel_returns_outcome_known",
        ),
        sa.CheckConstraint("quantity > 0", name="ck_channel_returns_return_quantity_positive"),
        sa.ForeignKeyConstraint(["channel"], ["channels.code"], name="fk_channel_returns_channel"),
        sa.PrimaryKeyConstraint(
            "channel", "order_id", "line_id", "kind", name="pk_channel_returns"
        ),
        sa.UniqueConstraint("id", name="uq_channel_returns_id"),
    )


def downgrade() -> None:
    op.drop_table("channel_returns")
