"""Inventory: ``locations``, the ``stock_moves`` ledger, ``stock_levels`` and ``allotments``.
The first revision of the inventory's own branch.

Revision ID: inventory_0001
Revises: (none: a branch of its own)
Depends on: 0008 (markets, variants, sales)
Create Date: 2027-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "inventory_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("inventory",)
depends_on: str | Sequence[str] | None = "0008"

MOMENT = sa.DateTime(timezone=True)
MOVE_KINDS = (
    "'receipt', 'adjustment', 'count', 'write_off', 'allocate', 'ship', 'release',"
    " 'return_receipt', 'transfer_out', 'transfer_in'"
)


def upgrade() -> None:
    op.create_table(
        "locations",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("market_code", sa.String(2), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("capacity_per_hour", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.Time(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.CheckConstraint("kind IN ('dc', 'store')", name="ck_locations_kind_known"),
        sa.ForeignKeyConstraint(["market_code"], ["markets.code"], name="fk_locations_market_code"),
        sa.PrimaryKeyConstraint("code", name="pk_locations"),
    )
    op.create_index("ix_locations_market_code", "locations", ["market_code"])
    op.create_table(
        "stock_levels",
        sa.Column("location", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("committed", sa.Integer(), nullable=False),
        sa.CheckConstraint("on_hand >= 0", name="ck_stock_levels_on_hand_not_negative"),
        sa.CheckConstraint(
            "allocated >= 0 AND committed >= 0", name="ck_stock_levels_promises_not_negative"
        ),
        sa.CheckConstraint(
            "allocated + committed <= on_hand", name="ck_stock_levels_promises_within_on_hand"
        ),
        sa.ForeignKeyConstraint(["location"], ["locations.code"], name="fk_stock_levels_location"),
        sa.ForeignKeyConstraint(["sku"], ["variants.sku"], name="fk_stock_levels_sku"),
        sa.PrimaryKeyConstraint("location", "sku", name="pk_stock_levels"),
    )
    op.create_table(
        "stock_moves",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("location", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_hand_change", sa.Integer(), nullable=False),
        sa.Column("allocated_change", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.CheckConstraint(f"kind IN ({MOVE_KINDS})", name="ck_stock_moves_kind_known"),
        sa.ForeignKeyConstraint(["location"], ["locations.code"], name="fk_stock_moves_location"),
        sa.PrimaryKeyConstraint("id", name="pk_stock_moves"),
    )
    op.create_index("ix_stock_moves_location_sku", "stock_moves", ["location", "sku"])
    op.create_table(
        "allotments",
        sa.Column("sale_id", sa.String(64), nullable=False),
        sa.Column("location", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "drawn >= 0 AND drawn <= quantity", name="ck_allotments_drawn_within_quantity"
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name="fk_allotments_sale_id"),
        sa.ForeignKeyConstraint(["location"], ["locations.code"], name="fk_allotments_location"),
        sa.PrimaryKeyConstraint("sale_id", "location", name="pk_allotments"),
    )


def downgrade() -> None:
    op.drop_table("allotments")
    op.drop_index("ix_stock_moves_location_sku", table_name="stock_moves")
    op.drop_table("stock_moves")
    op.drop_table("stock_levels")
    op.drop_index("ix_locations_market_code", table_name="locations")
    op.drop_table("locations")
