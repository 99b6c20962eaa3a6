"""The record as one object: every domain's repository over one database.

The embedded default and the scale-out both keep the record in one database, so one store
composes every domain's repository over it (``sql_store.py``, ``memory_store.py``); each service
still takes only the repository of its own domain.
"""

from __future__ import annotations

from typing import Protocol

from flashsale.catalog.ports import CatalogRepository
from flashsale.channels.ports import ChannelRepository
from flashsale.customers.ports import CustomerRepository
from flashsale.desk.ports import DeskRepository
from flashsale.fulfilment.ports import FulfilmentRepository, OperationsRepository
from flashsale.inventory.ports import InventoryRepository
from flashsale.notifications.ports import OutboxRepository
from flashsale.orders.ports import (
    CashCollection,
    OrderDeliveries,
    OrderEventFeed,
    OrderRepository,
    PurchasesInFeed,
    RefundRepository,
)
from flashsale.relay.ports import RelayCursorRepository
from flashsale.reporting.ports import ReportingRepository
from flashsale.sales.ports import SaleRepository
from flashsale.staff.ports import StaffRepository
from flashsale.stores.pickup_ports import PickupRepository
from flashsale.stores.ports import StoreRepository
from flashsale.waiting_room.ports import RoomRepository
from flashsale.webhooks.ports import WebhookRepository


class Store(
    CatalogRepository,
    CustomerRepository,
    SaleRepository,
    OrderRepository,
    OrderDeliveries,
    OrderEventFeed,
    RefundRepository,
    CashCollection,
    RoomRepository,
    OutboxRepository,
    StaffRepository,
    RelayCursorRepository,
    ReportingRepository,
    WebhookRepository,
    InventoryRepository,
    FulfilmentRepository,
    OperationsRepository,
    DeskRepository,
    ChannelRepository,
    StoreRepository,
    PickupRepository,
    PurchasesInFeed,
    Protocol,
):
    """The record of truth. Raises ``Conflict`` on a duplicate key, returns None when absent."""

    async def close(self) -> None: ...
