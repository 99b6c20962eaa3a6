"""Every table of the record, on the one shared metadata: what Alembic compares the database
with (``migrations/env.py``), and tests/integration/test_migrations.py checks.

Each domain describes its own tables (``<domain>/adapters/sql_tables.py``); importing them all
here is what puts every table on ``metadata``.
"""

from __future__ import annotations

from flashsale.catalog.adapters.sql_tables import markets, prices, products, variants
from flashsale.channels.adapters.sql_tables import (
    channel_order_lines,
    channel_pools,
    channel_prices,
    channels,
)
from flashsale.customers.adapters.sql_address_tables import saved_addresses
from flashsale.customers.adapters.sql_tables import customers
from flashsale.desk.adapters.sql_tables import (
    case_events,
    desk_agents,
    desk_calendars,
    desk_cases,
    desk_macros,
    desk_messages,
    desk_queues,
    desk_router_cursors,
    desk_sla_policies,
)
from flashsale.fulfilment.adapters.sql_tables import (
    fulfilment_cursors,
    fulfilment_orders,
    market_fulfilment,
)
from flashsale.fulfilment.adapters.sql_wave_tables import returns, shipments, wave_orders, waves
from flashsale.inventory.adapters.sql_tables import allotments, locations, stock_levels, stock_moves
from flashsale.notifications.adapters.sql_tables import mail_outbox
from flashsale.orders.adapters.sql_cash_tables import cash_cursors
from flashsale.orders.adapters.sql_delivery_tables import order_deliveries
from flashsale.orders.adapters.sql_tables import orders, payments, sale_stock, shipping_addresses
from flashsale.platform.sql.metadata import metadata
from flashsale.relay.adapters.sql_tables import relay_cursors
from flashsale.reporting.adapters.sql_tables import (
    fx_rates,
    report_cursors,
    report_rehearsal_sales,
    report_sellouts,
    report_targets,
    sales_facts_daily,
    sales_facts_daily_shadow,
    sales_facts_markets,
)
from flashsale.sales.adapters.sql_tables import registrations, sales
from flashsale.staff.adapters.sql_tables import staff_members
from flashsale.stores.adapters.sql_pickup_tables import store_pickups
from flashsale.stores.adapters.sql_tables import (
    pos_returns,
    pos_sale_lines,
    pos_sales,
    store_clerks,
    stores,
    tills,
)
from flashsale.waiting_room.adapters.sql_tables import queue_positions, waiting_rooms
from flashsale.webhooks.adapters.sql_tables import (
    webhook_cursors,
    webhook_deliveries,
    webhook_subscriptions,
)

__all__ = [
    "allotments",
    "case_events",
    "cash_cursors",
    "channel_order_lines",
    "channel_pools",
    "channel_prices",
    "channels",
    "customers",
    "desk_agents",
    "desk_calendars",
    "desk_cases",
    "desk_macros",
    "desk_messages",
    "desk_queues",
    "desk_router_cursors",
    "desk_sla_policies",
    "fulfilment_cursors",
    "fulfilment_orders",
    "fx_rates",
    "locations",
    "mail_outbox",
    "market_fulfilment",
    "markets",
    "metadata",
    "order_deliveries",
    "orders",
    "payments",
    "pos_returns",
    "pos_sale_lines",
    "pos_sales",
    "prices",
    "products",
    "queue_positions",
    "registrations",
    "relay_cursors",
    "report_cursors",
    "report_rehearsal_sales",
    "report_sellouts",
    "report_targets",
    "returns",
    "sale_stock",
    "sales",
    "sales_facts_daily",
    "sales_facts_daily_shadow",
    "sales_facts_markets",
    "saved_addresses",
    "shipments",
    "shipping_addresses",
    "staff_members",
    "stock_levels",
    "stock_moves",
    "store_clerks",
    "store_pickups",
    "stores",
    "tills",
    "variants",
    "waiting_rooms",
    "wave_orders",
    "waves",
    "webhook_cursors",
    "webhook_deliveries",
    "webhook_subscriptions",
]
