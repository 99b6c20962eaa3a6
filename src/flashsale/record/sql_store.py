"""``Store`` on SQLAlchemy Core (async): SQLite by default, PostgreSQL when scaled out.

Every domain's SQL repository over one engine, one SQLite writer thread and one database:
``SqlStore.open(url)`` connects them all at once (``platform/sql/database.py``).
"""

from __future__ import annotations

from flashsale.catalog.adapters.sql_repository import SqlCatalogRepository
from flashsale.channels.adapters.sql_repository import SqlChannelRepository
from flashsale.customers.adapters.sql_repository import SqlCustomerRepository
from flashsale.desk.adapters.sql_repository import SqlDeskRepository
from flashsale.fulfilment.adapters.sql_operations import SqlFulfilmentOperations
from flashsale.fulfilment.adapters.sql_repository import SqlFulfilmentRepository
from flashsale.inventory.adapters.sql_repository import SqlInventoryRepository
from flashsale.notifications.adapters.sql_repository import SqlOutboxRepository
from flashsale.orders.adapters.sql_feed_purchases import SqlPurchasesInFeed
from flashsale.orders.adapters.sql_repository import SqlOrderRepository
from flashsale.relay.adapters.sql_repository import SqlRelayCursorRepository
from flashsale.reporting.adapters.sql_repository import SqlReportingRepository
from flashsale.sales.adapters.sql_repository import SqlSaleRepository
from flashsale.staff.adapters.sql_repository import SqlStaffRepository
from flashsale.stores.adapters.sql_pickups import SqlPickupRepository
from flashsale.stores.adapters.sql_repository import SqlStoreRepository
from flashsale.waiting_room.adapters.sql_repository import SqlRoomRepository
from flashsale.webhooks.adapters.sql_repository import SqlWebhookRepository


class SqlStore(
    SqlCatalogRepository,
    SqlCustomerRepository,
    SqlSaleRepository,
    SqlOrderRepository,
    SqlRoomRepository,
    SqlOutboxRepository,
    SqlStaffRepository,
    SqlRelayCursorRepository,
    SqlReportingRepository,
    SqlWebhookRepository,
    SqlInventoryRepository,
    SqlFulfilmentRepository,
    SqlFulfilmentOperations,
    SqlDeskRepository,
    SqlChannelRepository,
    SqlStoreRepository,
    SqlPickupRepository,
    SqlPurchasesInFeed,
):
    """The record of truth in SQL; ``open``, ``engine`` and ``close`` come from SqlDatabase."""
