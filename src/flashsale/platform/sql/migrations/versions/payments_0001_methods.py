"""Payment methods: each payment's ``method`` (card, upi or cod), and ``cash_cursors``, where
the cash-on-delivery collector is in the order event feed. The first revision of the payments'
own branch (their first table is the core's).

Payments stored before read as cards, which they were.

Revision ID: payments_0001
Revises: (none: a branch of its own)
Depends on: 0008 (payments, as the core last left them)
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("payments",)
depends_on: str | Sequence[str] | None = "0008"


def upgrade() -> None:
    with op.batch_alter_table("payments") as table:
        table.add_column(sa.Column("method", sa.String(8), nullable=False, server_default="card"))
    op.create_table(
        "cash_cursors",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("cursor", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_cash_cursors"),
    )


def downgrade() -> None:
    op.drop_table("cash_cursors")
    with op.batch_alter_table("payments") as table:
        table.drop_column("method")
