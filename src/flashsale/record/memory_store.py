"""The record kept in a Python process: for unit tests and the hypothesis model, and the
reference the SQL stores are checked against by the contract suite.

Every domain's memory repository in one object. Where the record spans domains they share its
state through it, as the SQL repositories share one database: the order commit checks a batch
against the sale's stock and limit (``MemorySaleRepository._sale_terms``), the sales count
their units from the orders, and a room's sale and registrations are the sales'.
"""

from __future__ import annotations

from flashsale.catalog.adapters.memory_repository import MemoryCatalogRepository
from flashsale.channels.adapters.memory_repository import MemoryChannelRepository
from flashsale.customers.adapters.memory_repository import MemoryCustomerRepository
from flashsale.desk.adapters.memory_repository import MemoryDeskRepository
from flashsale.fulfilment.adapters.memory_operations import MemoryFulfilmentOperations
from flashsale.fulfilment.adapters.memory_repository import MemoryFulfilmentRepository
from flashsale.inventory.adapters.memory_repository import MemoryInventoryRepository
from flashsale.notifications.adapters.memory_repository import MemoryOutboxRepository
from flashsale.orders.adapters.memory_feed_purchases import MemoryPurchasesInFeed
from flashsale.orders.adapters.memory_repository import MemoryOrderRepository
from flashsale.relay.adapters.memory_repository import MemoryRelayCursorRepository
from flashsale.reporting.adapters.memory_repository import MemoryReportingRepository
from flashsale.sales.adapters.memory_repository import MemorySaleRepository
from flashsale.staff.adapters.memory_repository import MemoryStaffRepository
from flashsale.stores.adapters.memory_pickups import MemoryPickupRepository
from flashsale.stores.adapters.memory_repository import MemoryStoreRepository
from flashsale.waiting_room.adapters.memory_repository import MemoryRoomRepository
from flashsale.webhooks.adapters.memory_repository import MemoryWebhookRepository


# The sales' repository comes before the orders': its ``_sale_terms`` answers the order commit.
class MemoryStore(
    MemoryCatalogRepository,
    MemoryCustomerRepository,
    MemorySaleRepository,
    MemoryOrderRepository,
    MemoryRoomRepository,
    MemoryOutboxRepository,
    MemoryStaffRepository,
    MemoryRelayCursorRepository,
    MemoryReportingRepository,
    MemoryWebhookRepository,
    MemoryInventoryRepository,
    MemoryFulfilmentRepository,
    MemoryFulfilmentOperations,
    MemoryDeskRepository,
    MemoryChannelRepository,
    MemoryStoreRepository,
    MemoryPickupRepository,
    MemoryPurchasesInFeed,
):
    async def close(self) -> None:
        return None
