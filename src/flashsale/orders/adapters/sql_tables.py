"""The order book's tables: orders, their payments and addresses, and each sale's counter of
live units, which every order commit moves.

The counter is the orders' because it moves in the orders' transactions (here, and in
``place_orders`` on PostgreSQL), and orders know nothing of sales: the sales' repository, which
may know the orders, makes a sale's row with the sale, reads it for the audit and counts the
gate's healed drift in it.

Keep them in step with ``migrations/versions``: tests/integration/test_migrations.py compares
the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from flashsale.orders.domain.order import OrderStatus
from flashsale.platform.sql.columns import Amount, UtcDateTime
from flashsale.platform.sql.metadata import CURRENCY, ID, SKU, metadata

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
    # The console's order list, newest first a keyset page at a time (web/console_orders.py):
    # every order, one sale's, one status's (migration orders_0001).
    Index("ix_orders_created_at_id", "created_at", "id"),
    Index("ix_orders_sale_id_created_at_id", "sale_id", "created_at", "id"),
    Index("ix_orders_status_created_at_id", "status", "created_at", "id"),
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
    # card, upi or cod (catalog.market.PaymentMethod); rows written before it are cards.
    Column("method", String(8), nullable=False, server_default="card"),
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
    # ISO 3166-1 alpha-2 and ISO 3166-2; NULL on rows written before they were asked for.
    Column("country", String(2), nullable=True),
    Column("region", String(6), nullable=True),
)

# The order event feed (orders/domain/events.py), one row per change, written in the change's
# transaction. ``xid`` is the writing transaction's id on PostgreSQL (the column's default
# there, set by the migration: every writer gets it without naming it), and NULL on SQLite,
# whose one writer commits in ``seq`` order: there the (xid, seq) index is partial, and empty
# (migration orders_0003).
order_events = Table(
    "order_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("xid", BigInteger, nullable=True),
    # No foreign key: the shop writes each row in its order's transaction or after it, and no
    # order is deleted; the check cost every writer (migration orders_0004).
    Column("order_id", ID, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("data", JSON().with_variant(JSONB(), "postgresql"), nullable=True),
    Index("ix_order_events_xid_seq", "xid", "seq", sqlite_where=text("xid IS NOT NULL")),
    Index("ix_order_events_order_id", "order_id"),
)

# Money given back for a paid order (orders/domain/refunds.py): rows of their own, never an
# order status. A client's retry with the same Idempotency-Key finds its refund by the key.
refunds = Table(
    "refunds",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(24), nullable=False),
    Column("requested_by", String(80), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("approved_by", String(80), nullable=True),
    Column("gateway_reference", Text, nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    UniqueConstraint("order_id", "idempotency_key", name="uq_refunds_order_idempotency_key"),
)
