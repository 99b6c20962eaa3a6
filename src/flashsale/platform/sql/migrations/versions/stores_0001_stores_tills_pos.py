"""Stores: ``stores`` (a store location's profile and receipt counter), ``store_clerks``,
``tills``, ``pos_sales``, ``pos_sale_lines`` and ``pos_returns``. The first revision of the
stores' own branch.

Revision ID: stores_0001
Revises: (none: a branch of its own)
Depends on: inventory_0001 (locations, stock_levels, stock_moves), staff_0001 (staff_members)
Create Date: 2027-02-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stores_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("stores",)
depends_on: str | Sequence[str] | None = ("inventory_0001", "staff_0001")

MOMENT = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric().with_variant(sa.String(40), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stores",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("pickup", sa.Boolean(), nullable=False),
        sa.Column("pickup_days", sa.Integer(), nullable=False),
        sa.Column("ships_online", sa.Boolean(), nullable=False),
        sa.Column("last_receipt", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["code"], ["locations.code"], name="fk_stores_code"),
        sa.PrimaryKeyConstraint("code", name="pk_stores"),
    )
    op.create_table(
        "store_clerks",
        sa.Column("store_code", sa.String(32), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["store_code"], ["stores.code"], name="fk_store_clerks_store_code"),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_members.id"], name="fk_store_clerks_staff_id"
        ),
        sa.PrimaryKeyConstraint("store_code", "staff_id", name="pk_store_clerks"),
    )
    op.create_index("ix_store_clerks_staff_id", "store_clerks", ["staff_id"])
    op.create_table(
        "tills",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("store_code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("revoked_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["store_code"], ["stores.code"], name="fk_tills_store_code"),
        sa.PrimaryKeyConstraint("id", name="pk_tills"),
        sa.UniqueConstraint("token_hash", name="uq_tills_token_hash"),
    )
    op.create_index("ix_tills_store_code", "tills", ["store_code"])
    op.create_table(
        "pos_sales",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("store_code", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("till_id", sa.String(64), nullable=False),
        sa.Column("clerk_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("tendered", AMOUNT, nullable=False),
        sa.Column("change_due", AMOUNT, nullable=False),
        sa.Column("card_reference", sa.String(100), nullable=True),
        sa.Column("card_last4", sa.String(4), nullable=True),
        sa.Column("customer_email", sa.String(254), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.CheckConstraint("method IN ('cash', 'card')", name="ck_pos_sales_method_known"),
        sa.ForeignKeyConstraint(["store_code"], ["stores.code"], name="fk_pos_sales_store_code"),
        sa.ForeignKeyConstraint(["till_id"], ["tills.id"], name="fk_pos_sales_till_id"),
        sa.PrimaryKeyConstraint("id", name="pk_pos_sales"),
        sa.UniqueConstraint("store_code", "number", name="uq_pos_sales_store_number"),
        sa.UniqueConstraint("store_code", "idempotency_key", name="uq_pos_sales_store_key"),
    )
    op.create_table(
        "pos_sale_lines",
        sa.Column("sale_id", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_pos_sale_lines_quantity_positive"),
        sa.CheckConstraint(
            "returned >= 0 AND returned <= quantity", name="ck_pos_sale_lines_returned_within_sold"
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["pos_sales.id"], name="fk_pos_sale_lines_sale_id"),
        sa.ForeignKeyConstraint(["sku"], ["variants.sku"], name="fk_pos_sale_lines_sku"),
        sa.PrimaryKeyConstraint("sale_id", "line_no", name="pk_pos_sale_lines"),
    )
    op.create_table(
        "pos_returns",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("sale_id", sa.String(64), nullable=False),
        sa.Column("store_code", sa.String(32), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("refund", AMOUNT, nullable=False),
        sa.Column("refund_reference", sa.String(100), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["sale_id"], ["pos_sales.id"], name="fk_pos_returns_sale_id"),
        sa.PrimaryKeyConstraint("id", name="pk_pos_returns"),
    )
    op.create_index("ix_pos_returns_sale_id", "pos_returns", ["sale_id"])


def downgrade() -> None:
    op.drop_index("ix_pos_returns_sale_id", table_name="pos_returns")
    op.drop_table("pos_returns")
    op.drop_table("pos_sale_lines")
    op.drop_table("pos_sales")
    op.drop_index("ix_tills_store_code", table_name="tills")
    op.drop_table("tills")
    op.drop_index("ix_store_clerks_staff_id", table_name="store_clerks")
    op.drop_table("store_clerks")
    op.drop_table("stores")
