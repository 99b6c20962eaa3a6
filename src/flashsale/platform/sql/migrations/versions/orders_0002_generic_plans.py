"""``place_orders`` plans its statements once per connection (PostgreSQL only).

PL/pgSQL caches each statement's plan, but with parameters the plan cache keeps making a custom
plan per call while it judges one cheaper than the generic plan: for the group commit that was
about 0.5-0.7 ms of planning a batch, most of what the record's check cost a commit (64-order
batches, one connection, alternating: 5.91 ms a batch with the check as planned per call, 5.18
ms with generic plans, 4.86 ms with no check at all; benchmarks/record_check.py measures the
purchase path). The batch's statements read the same tables by the same keys whatever the
batch holds, so one plan serves every call.

Revision ID: orders_0002
Revises: orders_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "orders_0002"
down_revision: str | None = "orders_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "place_orders(jsonb, text[], boolean)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {FUNCTION} SET plan_cache_mode = force_generic_plan")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {FUNCTION} RESET plan_cache_mode")
