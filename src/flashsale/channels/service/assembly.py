"""The channels' services, built once (``bootstrap.Shop.channels``)."""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.channels.ports import ChannelRepository, MarketplaceClient
from flashsale.channels.service.catalogue import CatalogReader, ChannelBook
from flashsale.channels.service.feeds import Feeds
from flashsale.channels.service.imports import OrderImports
from flashsale.channels.service.pools import LocationBook, Pools
from flashsale.channels.service.reconciling import Reconciler
from flashsale.channels.service.returns import PartnerReturns
from flashsale.kernel.clock import Clock


@dataclass(frozen=True, slots=True)
class Channels:
    book: ChannelBook
    pools: Pools
    imports: OrderImports
    returns: PartnerReturns
    feeds: Feeds
    reconciler: Reconciler


def build_channels(
    store: ChannelRepository,
    catalog: CatalogReader,
    locations: LocationBook,
    client: MarketplaceClient,
    clock: Clock,
) -> Channels:
    book = ChannelBook(store, catalog)
    return Channels(
        book=book,
        pools=Pools(store, book, locations),
        imports=OrderImports(store, book, clock),
        returns=PartnerReturns(store, book, clock),
        feeds=Feeds(store, book, client),
        reconciler=Reconciler(store, book),
    )
