"""Shipping addresses, given at checkout, one per order.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shipping_addresses",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("line1", sa.Text(), nullable=False),
        sa.Column("line2", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("postal_code", sa.String(20), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_shipping_addresses_order_id"),
        sa.PrimaryKeyConstraint("order_id", name="pk_shipping_addresses"),
    )


def downgrade() -> None:
    op.drop_table("shipping_addresses")
