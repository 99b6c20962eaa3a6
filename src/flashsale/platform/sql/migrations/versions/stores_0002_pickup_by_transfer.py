"""Stores: ``pickup_by_transfer`` (a pickup there may be sent from a DC when its shelf is
short) and ``transfer_days`` (how long such a transfer takes to arrive: the later ready date
the listing shows).

Revision ID: stores_0002
Revises: stores_0001
Create Date: 2027-03-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stores_0002"
down_revision: str | None = "stores_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as table:
        table.add_column(
            sa.Column("pickup_by_transfer", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(
            sa.Column("transfer_days", sa.Integer(), nullable=False, server_default="2")
        )


def downgrade() -> None:
    with op.batch_alter_table("stores") as table:
        table.drop_column("transfer_days")
        table.drop_column("pickup_by_transfer")
