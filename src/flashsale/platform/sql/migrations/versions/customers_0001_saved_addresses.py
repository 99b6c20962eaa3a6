"""Customers' address books: ``saved_addresses``, the shipping addresses a customer keeps for
later checkouts, one of them the default. The first revision of the customers' own branch (their
first table, ``customers``, is the core's).

Revision ID: customers_0001
Revises: (none: a branch of its own)
Depends on: 0008 (the core's last revision: addresses with a country and a region)
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "customers_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("customers",)
depends_on: str | Sequence[str] | None = "0008"


def upgrade() -> None:
    op.create_table(
        "saved_addresses",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(120), nullable=False),
        sa.Column("line1", sa.String(200), nullable=False),
        sa.Column("line2", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("postal_code", sa.String(20), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(6), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_saved_addresses"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_saved_addresses_customer_id"
        ),
    )
    op.create_index("ix_saved_addresses_customer_id", "saved_addresses", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_addresses_customer_id", table_name="saved_addresses")
    op.drop_table("saved_addresses")
