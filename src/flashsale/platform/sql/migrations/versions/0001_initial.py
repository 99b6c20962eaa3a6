"""The initial record: catalogue, customers, sales, registrations, orders and payments.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None

# Frozen copies of flashsale.platform.sql.columns as DDL: exact NUMERIC on PostgreSQL, decimal
# text on SQLite (whose NUMERIC affinity would make floats); timestamptz / UTC text.
AMOUNT = sa.Numeric().with_variant(sa.String(40), "sqlite")
MOMENT = sa.DateTime(timezone=True)
ID = sa.String(64)
SKU = sa.String(64)
CURRENCY = sa.String(3)
MARKET_CODE = sa.String(2)


def upgrade() -> None:
    op.create_table(
        "markets",
        sa.Column("code", MARKET_CODE, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("currency", CURRENCY, nullable=False),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_markets"),
    )
    op.create_table(
        "products",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
    )
    op.create_table(
        "variants",
        sa.Column("sku", SKU, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name="fk_variants_product_id"),
        sa.PrimaryKeyConstraint("sku", name="pk_variants"),
    )
    op.create_index("ix_variants_product_id", "variants", ["product_id"])
    op.create_table(
        "prices",
        sa.Column("sku", SKU, nullable=False),
        sa.Column("market_code", MARKET_CODE, nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", CURRENCY, nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["variants.sku"], name="fk_prices_sku"),
        sa.ForeignKeyConstraint(["market_code"], ["markets.code"], name="fk_prices_market_code"),
        sa.PrimaryKeyConstraint("sku", "market_code", name="pk_prices"),
    )
    op.create_table(
        "customers",
        sa.Column("id", ID, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("market_code", MARKET_CODE, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["market_code"], ["markets.code"], name="fk_customers_market_code"),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("email", name="uq_customers_email"),
    )
    op.create_table(
        "sales",
        sa.Column("id", ID, nullable=False),
        sa.Column("sku", SKU, nullable=False),
        sa.Column("market_code", MARKET_CODE, nullable=False),
        sa.Column("price_amount", AMOUNT, nullable=False),
        sa.Column("price_currency", CURRENCY, nullable=False),
        sa.Column("stock_total", sa.Integer(), nullable=False),
        sa.Column("per_customer_limit", sa.Integer(), nullable=False),
        sa.Column("registration_opens_at", MOMENT, nullable=False),
        sa.Column("registration_closes_at", MOMENT, nullable=False),
        sa.Column("opens_at", MOMENT, nullable=False),
        sa.Column("closes_at", MOMENT, nullable=False),
        sa.Column("payment_window_seconds", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["variants.sku"], name="fk_sales_sku"),
        sa.ForeignKeyConstraint(["market_code"], ["markets.code"], name="fk_sales_market_code"),
        sa.PrimaryKeyConstraint("id", name="pk_sales"),
    )
    op.create_table(
        "registrations",
        sa.Column("sale_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name="fk_registrations_sale_id"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_registrations_customer_id"
        ),
        sa.PrimaryKeyConstraint("sale_id", "customer_id", name="pk_registrations"),
    )
    op.create_table(
        "orders",
        sa.Column("id", ID, nullable=False),
        sa.Column("sale_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("sku", SKU, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", CURRENCY, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("paid_at", MOMENT, nullable=True),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.CheckConstraint("quantity > 0", name="ck_orders_quantity_positive"),
        sa.CheckConstraint(
            "status IN ('reserved', 'paid', 'expired', 'cancelled')",
            name="ck_orders_status_known",
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name="fk_orders_sale_id"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_orders_customer_id"),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint(
            "customer_id", "idempotency_key", name="uq_orders_customer_idempotency_key"
        ),
    )
    op.create_index("ix_orders_sale_id_status", "orders", ["sale_id", "status"])
    op.create_index("ix_orders_status_expires_at", "orders", ["status", "expires_at"])
    op.create_table(
        "payments",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", CURRENCY, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("gateway_reference", sa.Text(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_payments_order_id"),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.UniqueConstraint("order_id", name="uq_payments_order_id"),
    )


def downgrade() -> None:
    for table in (
        "payments",
        "orders",
        "registrations",
        "sales",
        "customers",
        "prices",
        "variants",
        "products",
        "markets",
    ):
        op.drop_table(table)
