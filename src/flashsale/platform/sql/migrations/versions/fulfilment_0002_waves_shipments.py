"""Fulfilment: ``waves`` and ``wave_orders`` (a fulfilment order in one wave at most), and
``shipments`` (a fulfilment order in one parcel), and ``returns``.

Revision ID: fulfilment_0002
Revises: fulfilment_0001
Create Date: 2027-01-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fulfilment_0002"
down_revision: str | None = "fulfilment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "waves",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("location", sa.String(32), nullable=False),
        sa.Column("cut_at", MOMENT, nullable=False),
        sa.Column("cut_by", sa.String(80), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.CheckConstraint("orders > 0", name="ck_waves_orders_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_waves"),
    )
    op.create_index("ix_waves_location", "waves", ["location", "cut_at"])
    op.create_table(
        "wave_orders",
        sa.Column("fulfilment_order_id", sa.String(64), nullable=False),
        sa.Column("wave_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], name="fk_wave_orders_wave_id"),
        sa.PrimaryKeyConstraint("fulfilment_order_id", name="pk_wave_orders"),
    )
    op.create_index("ix_wave_orders_wave_id", "wave_orders", ["wave_id", "position"])
    op.create_table(
        "shipments",
        sa.Column("fulfilment_order_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("location", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(40), nullable=False),
        sa.Column("tracking_number", sa.String(64), nullable=False),
        sa.Column("shipped_at", MOMENT, nullable=False),
        sa.Column("due_at", MOMENT, nullable=False),
        sa.Column("delivered_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("fulfilment_order_id", name="pk_shipments"),
    )
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"])
    op.create_index("ix_shipments_due", "shipments", ["delivered_at", "due_at"])
    op.create_table(
        "returns",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("market_code", sa.String(2), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("location", sa.String(32), nullable=True),
        sa.Column("resellable", sa.Boolean(), nullable=True),
        sa.Column("refund_id", sa.String(64), nullable=True),
        sa.CheckConstraint("quantity > 0", name="ck_returns_quantity_positive"),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'declined', 'received', 'refunded', 'closed',"
            " 'cancelled')",
            name="ck_returns_status_known",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_returns"),
    )
    op.create_index("ix_returns_order_id", "returns", ["order_id"])
    op.create_index("ix_returns_status", "returns", ["status", "requested_at"])


def downgrade() -> None:
    op.drop_index("ix_returns_status", table_name="returns")
    op.drop_index("ix_returns_order_id", table_name="returns")
    op.drop_table("returns")
    op.drop_index("ix_shipments_due", table_name="shipments")
    op.drop_index("ix_shipments_order_id", table_name="shipments")
    op.drop_table("shipments")
    op.drop_index("ix_wave_orders_wave_id", table_name="wave_orders")
    op.drop_table("wave_orders")
    op.drop_index("ix_waves_location", table_name="waves")
    op.drop_table("waves")
