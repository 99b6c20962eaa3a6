"""Every table of the record, on the one shared metadata: what Alembic compares the database
with (``migrations/env.py``), and tests/integration/test_migrations.py checks.

Each domain describes its own tables (``<domain>/adapters/sql_tables.py``); importing them all
here is what puts every table on ``metadata``.
"""

from __future__ import annotations

from flashsale.catalog.adapters.sql_tables import markets, prices, products, variants
from flashsale.customers.adapters.sql_tables import customers
from flashsale.notifications.adapters.sql_tables import mail_outbox
from flashsale.orders.adapters.sql_tables import orders, payments, sale_stock, shipping_addresses
from flashsale.platform.sql.metadata import metadata
from flashsale.relay.adapters.sql_tables import relay_cursors
from flashsale.sales.adapters.sql_tables import registrations, sales
from flashsale.staff.adapters.sql_tables import staff_members
from flashsale.waiting_room.adapters.sql_tables import queue_positions, waiting_rooms
from flashsale.webhooks.adapters.sql_tables import (
    webhook_cursors,
    webhook_deliveries,
    webhook_subscriptions,
)

__all__ = [
    "customers",
    "mail_outbox",
    "markets",
    "metadata",
    "orders",
    "payments",
    "prices",
    "products",
    "queue_positions",
    "registrations",
    "relay_cursors",
    "sale_stock",
    "sales",
    "shipping_addresses",
    "staff_members",
    "variants",
    "waiting_rooms",
    "webhook_cursors",
    "webhook_deliveries",
    "webhook_subscriptions",
]
