"""Refunds, each a row of its own beside the order it gives money back for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("amount", sa.Numeric().with_variant(sa.String(40), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("approved_by", sa.String(80), nullable=True),
        sa.Column("gateway_reference", sa.Text(), nullable=True),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_refunds_order_id"),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.UniqueConstraint("order_id", "idempotency_key", name="uq_refunds_order_idempotency_key"),
    )


def downgrade() -> None:
    op.drop_table("refunds")
