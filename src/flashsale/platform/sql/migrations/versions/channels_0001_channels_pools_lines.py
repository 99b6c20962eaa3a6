"""Channels: ``channels``, ``channel_prices``, ``channel_pools`` and ``channel_order_lines``.
The first revision of the channels' own branch.

The shop's own site is channel ``WEB``, made on demand (``ChannelBook.ensure_web``) rather
than seeded here: it needs a market, and markets are the operator's data.

Revision ID: channels_0001
Revises: (none: a branch of its own)
Depends on: inventory_0001 (locations, stock_levels), fulfilment_0002 (fulfilment_orders)
Create Date: 2027-02-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "channels_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("channels",)
depends_on: str | Sequence[str] | None = ("inventory_0001", "fulfilment_0002")

MOMENT = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric().with_variant(sa.String(40), "sqlite")


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("market_code", sa.String(2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("safety_buffer", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('web', 'store', 'marketplace')", name="ck_channels_kind_known"
        ),
        sa.CheckConstraint("safety_buffer >= 0", name="ck_channels_buffer_not_negative"),
        sa.ForeignKeyConstraint(["market_code"], ["markets.code"], name="fk_channels_market_code"),
        sa.PrimaryKeyConstraint("code", name="pk_channels"),
    )
    op.create_table(
        "channel_prices",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.ForeignKeyConstraint(["channel"], ["channels.code"], name="fk_channel_prices_channel"),
        sa.ForeignKeyConstraint(["sku"], ["variants.sku"], name="fk_channel_prices_sku"),
        sa.PrimaryKeyConstraint("channel", "sku", name="pk_channel_prices"),
    )
    op.create_table(
        "channel_pools",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("location", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("consumed", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "consumed >= 0 AND consumed <= units", name="ck_channel_pools_consumed_within_units"
        ),
        sa.ForeignKeyConstraint(["channel"], ["channels.code"], name="fk_channel_pools_channel"),
        sa.ForeignKeyConstraint(["location"], ["locations.code"], name="fk_channel_pools_location"),
        sa.ForeignKeyConstraint(["sku"], ["variants.sku"], name="fk_channel_pools_sku"),
        sa.PrimaryKeyConstraint("channel", "location", "sku", name="pk_channel_pools"),
    )
    op.create_table(
        "channel_order_lines",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("purchased_at", MOMENT, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("amount", AMOUNT, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("problem", sa.String(32), nullable=False),
        sa.Column("location", sa.String(32), nullable=True),
        sa.Column("fulfilment_order_id", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "status IN ('imported', 'partner', 'rejected')",
            name="ck_channel_order_lines_status_known",
        ),
        sa.CheckConstraint("quantity > 0", name="ck_channel_order_lines_quantity_positive"),
        sa.PrimaryKeyConstraint("channel", "order_id", "line_id", name="pk_channel_order_lines"),
        sqlite_with_rowid=False,  # the rows in the primary key's B-tree: one tree to write
    )


def downgrade() -> None:
    op.drop_table("channel_order_lines")
    op.drop_table("channel_pools")
    op.drop_table("channel_prices")
    op.drop_table("channels")
