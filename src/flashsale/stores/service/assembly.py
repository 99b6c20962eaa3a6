"""Stores and the point of sale, wired: the services the edges call (``bootstrap.Shop.stores``
builds them once, from the shop's own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flashsale.kernel.clock import Clock
from flashsale.orders.ports import PaymentGateway
from flashsale.stores.ports import PriceList
from flashsale.stores.service.availability import Availability
from flashsale.stores.service.directory import MarketReader, Record, StaffReader, StoreDirectory
from flashsale.stores.service.prices import CatalogPriceList, VariantReader
from flashsale.stores.service.returns import StoreReturns
from flashsale.stores.service.selling import PointOfSale
from flashsale.stores.service.session import PosSessions
from flashsale.stores.service.till_register import TillRegister
from flashsale.stores.service.tills import Tills


@dataclass(frozen=True, slots=True)
class Stores:
    directory: StoreDirectory
    tills: Tills
    sessions: PosSessions
    pos: PointOfSale
    returns: StoreReturns
    availability: Availability


class Catalogue(MarketReader, VariantReader, Protocol):
    """``Catalog``: markets and variants."""


def build_stores(
    store: Record,
    catalog: Catalogue,
    staff: StaffReader,
    gateway: PaymentGateway,
    clock: Clock,
    *,
    prices: PriceList | None = None,
) -> Stores:
    """``prices``: the store channels' price list once channels exist; the catalog's until then."""
    register = TillRegister(store, clock)
    tills = Tills(store, clock, register)
    return Stores(
        directory=StoreDirectory(store, catalog, staff, register),
        tills=tills,
        sessions=PosSessions(register, tills),
        pos=PointOfSale(
            store, store, catalog, prices or CatalogPriceList(catalog, clock), gateway, clock
        ),
        returns=StoreReturns(store, gateway, clock),
        availability=Availability(store),
    )
