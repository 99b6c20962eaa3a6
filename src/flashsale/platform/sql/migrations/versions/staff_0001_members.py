"""The staff: ``staff_members``, each with roles, markets and languages, and a session
generation raised when they are disabled. The first revision of the staff's own branch.

Revision ID: staff_0001
Revises: (none: a branch of its own)
Depends on: 0005 (staff sessions end through its ``session_revocations``)
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "staff_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("staff",)
depends_on: str | Sequence[str] | None = "0005"


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("markets", sa.Text(), nullable=False),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_members"),
        sa.UniqueConstraint("email", name="uq_staff_members_email"),
    )


def downgrade() -> None:
    op.drop_table("staff_members")
