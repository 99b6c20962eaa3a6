"""Each market's time zone, and each shipping address's country and region.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-13

Markets stored before read as UTC until the operator names their zone; addresses stored before
keep NULL country and region, and still load.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("markets") as table:
        table.add_column(sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"))
    with op.batch_alter_table("shipping_addresses") as table:
        table.add_column(sa.Column("country", sa.String(2), nullable=True))
        table.add_column(sa.Column("region", sa.String(6), nullable=True))


def downgrade() -> None:
    # Not in batch: on SQLite a batch drop copies the table, and dropping ``markets`` to swap the
    # copy in breaks the foreign keys that refer to it. SQLite 3.35+ drops a column in place.
    op.drop_column("shipping_addresses", "region")
    op.drop_column("shipping_addresses", "country")
    op.drop_column("markets", "timezone")
