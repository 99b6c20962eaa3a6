"""The tables of the record. Migrations create them; this module only describes them to queries.

Keep it in step with ``migrations/versions``: tests/integration/test_migrations.py compares the
migrated database with this metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from flashsale.orders.domain.order import OrderStatus
from flashsale.platform.sql.columns import Amount, UtcDateTime

ID = String(64)
CURRENCY = String(3)
MARKET_CODE = String(2)
SKU = String(64)

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

markets = Table(
    "markets",
    metadata,
    Column("code", MARKET_CODE, primary_key=True),
    Column("name", Text, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("locale", String(35), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
)

variants = Table(
    "variants",
    metadata,
    Column("sku", SKU, primary_key=True),
    Column("product_id", ID, ForeignKey("products.id"), nullable=False, index=True),
    Column("attributes", JSON, nullable=False),
    # The order the variants were given in, so that a product reads back as it was added.
    Column("position", Integer, nullable=False),
)

prices = Table(
    "prices",
    metadata,
    Column("sku", SKU, ForeignKey("variants.sku"), primary_key=True),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), primary_key=True),
    Column("amount", Amount, nullable=False),
    Column("currency", CURRENCY, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", ID, primary_key=True),
    # Lowercased by the domain before it gets here, so a plain unique index is case-blind.
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

sales = Table(
    "sales",
    metadata,
    Column("id", ID, primary_key=True),
    Column("sku", SKU, ForeignKey("variants.sku"), nullable=False),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), nullable=False),
    Column("price_amount", Amount, nullable=False),
    Column("price_currency", CURRENCY, nullable=False),
    Column("stock_total", Integer, nullable=False),
    Column("per_customer_limit", Integer, nullable=False),
    Column("registration_opens_at", UtcDateTime, nullable=False),
    Column("registration_closes_at", UtcDateTime, nullable=False),
    Column("opens_at", UtcDateTime, nullable=False),
    Column("closes_at", UtcDateTime, nullable=False),
    Column("payment_window_seconds", Double, nullable=False),
)

# A sale's counts, beside its terms: every group commit updates its row, and on PostgreSQL the
# versions of a row updated hundreds of times a second would slow every foreign-key check the
# sale's new orders make on its ``sales`` row.
sale_stock = Table(
    "sale_stock",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    # Units in the sale's live (reserved, paid) orders, moved in the transactions that move
    # them: every group commit checks its batch against it with the row locked, so no gate
    # state, however wrong, can sell past the stock (see orders/domain/placement.py).
    Column("units_held", Integer, nullable=False, server_default="0"),
    # Units the gate's reconciler put back into or took out of the gate, for the audit.
    Column("gate_drift_healed", Integer, nullable=False, server_default="0"),
)

registrations = Table(
    "registrations",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    Column("customer_id", ID, ForeignKey("customers.id"), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("sale_id", ID, ForeignKey("sales.id"), nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False),
    Column("sku", SKU, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("amount", Amount, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("idempotency_key", String(255), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint(
        "status IN ({})".format(", ".join(f"'{s.value}'" for s in OrderStatus)),
        name="status_known",
    ),
    # NULL keys never collide, so only orders that carry a key are deduplicated.
    # Also the index of "my orders": its leading column is the customer.
    UniqueConstraint("customer_id", "idempotency_key", name="uq_orders_customer_idempotency_key"),
    Index("ix_orders_sale_id_status", "sale_id", "status"),
    Index("ix_orders_status_expires_at", "status", "expires_at"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, unique=True),
    Column("amount", Amount, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("status", String(16), nullable=False),
    Column("gateway_reference", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

shipping_addresses = Table(
    "shipping_addresses",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("recipient", Text, nullable=False),
    Column("line1", Text, nullable=False),
    Column("line2", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("phone", String(30), nullable=False),
)

# Issue 4: a sale's waiting room (settings, the secret seed and its public commitment) and the
# published order of its pre-queue, which `flashsale sale verify-queue` checks against the seed.
waiting_rooms = Table(
    "waiting_rooms",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    Column("admission_rate_per_second", Double, nullable=False),
    Column("shuffle_pre_queue", Boolean, nullable=False),
    Column("token_lifetime_seconds", Double, nullable=False),
    Column("pow_difficulty", Integer, nullable=False),
    Column("registrations_per_address", Integer, nullable=True),
    Column("customer_requests_per_second", Double, nullable=False),
    Column("address_requests_per_second", Double, nullable=False),
    Column("seed", String(64), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sealed_at", UtcDateTime, nullable=True),
)

queue_positions = Table(
    "queue_positions",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False),
    UniqueConstraint("sale_id", "customer_id", name="uq_queue_positions_sale_id_customer_id"),
)
