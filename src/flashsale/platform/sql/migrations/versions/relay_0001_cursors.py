"""The relays' cursors: ``relay_cursors``, each relay's place in the order event feed. The first
revision of the relay's own branch.

Revision ID: relay_0001
Revises: (none: a branch of its own)
Depends on: 0006 (the order event feed whose cursors it keeps)
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "relay_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("relay",)
depends_on: str | Sequence[str] | None = "0006"


def upgrade() -> None:
    op.create_table(
        "relay_cursors",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("cursor", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_relay_cursors"),
    )


def downgrade() -> None:
    op.drop_table("relay_cursors")
