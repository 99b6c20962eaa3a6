"""The warehouse's work after allocation, wired: waves, shipping and delivery, returns.
``bootstrap.Shop.fulfilment_ops`` builds it once, from the shop's own services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flashsale.fulfilment.adapters.sandbox_carrier import SandboxCarrier
from flashsale.fulfilment.ports import Carrier, OperationsRepository
from flashsale.fulfilment.service.fulfilment_orders import FulfilmentOrders
from flashsale.fulfilment.service.returns import RefundIssuer, Returns
from flashsale.fulfilment.service.shipping import Shipping
from flashsale.fulfilment.service.waves import AddressReader, Waves
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import Clock
from flashsale.orders.domain.order import Order


class OperationsRecord(OperationsRepository, Protocol):
    """The record's part of the work after allocation, and the orders it reads."""

    async def order(self, order_id: str) -> Order | None: ...


@dataclass(frozen=True, slots=True)
class Operations:
    waves: Waves
    shipping: Shipping
    returns: Returns


def build_operations(
    store: OperationsRecord,
    orders: FulfilmentOrders,
    locations: Locations,
    addresses: AddressReader,
    refunds: RefundIssuer,
    clock: Clock,
    carrier: Carrier | None = None,
) -> Operations:
    return Operations(
        waves=Waves(store, locations, addresses, clock),
        shipping=Shipping(store, orders, locations, carrier or SandboxCarrier(), clock),
        returns=Returns(store, orders, locations, refunds, clock),
    )
