"""Sessions that end before they expire: each customer's session generation, and the
revocations every API process polls.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as table:
        table.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "session_revocations",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_session_revocations"),
    )
    op.create_index("ix_session_revocations_revoked_at", "session_revocations", ["revoked_at"])
    op.create_index("ix_session_revocations_expires_at", "session_revocations", ["expires_at"])


def downgrade() -> None:
    op.drop_table("session_revocations")
    with op.batch_alter_table("customers") as table:
        table.drop_column("session_generation")
