"""Pools: units at a market's DCs committed to a partner channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flashsale.channels.domain.channel import Channel
from flashsale.channels.domain.pool import Pool, PoolTarget, check_targets
from flashsale.channels.ports import ChannelRepository
from flashsale.channels.service.catalogue import ChannelBook
from flashsale.inventory.domain.location import Location, LocationKind
from flashsale.kernel.errors import InvalidInput

# A store's shelf may back a partner too (a Mi Home shipping Flipkart's local orders): its
# pooled units are committed there, so neither its tills nor click & collect can take them.
POOL_KINDS = frozenset({LocationKind.DC, LocationKind.STORE})


class LocationBook(Protocol):
    """``Locations``: a location by code (NotFound when there is none)."""

    async def get(self, code: str) -> Location: ...


def require_partner(channel: Channel) -> None:
    if not channel.is_partner:
        raise InvalidInput(f"{channel.code} is a {channel.kind} channel; pools are for partners")


class Pools:
    def __init__(
        self, store: ChannelRepository, book: ChannelBook, locations: LocationBook
    ) -> None:
        self._store = store
        self._book = book
        self._locations = locations

    async def put(self, code: str, targets: Sequence[PoolTarget]) -> tuple[Channel, list[Pool]]:
        """Set the pools named (the others stay as they are): ``PoolAboveFree`` (nothing
        written) when a DC lacks the free units a pool grows by."""
        channel = await self._book.get(code)
        require_partner(channel)
        wanted = [PoolTarget(t.location.upper(), t.sku, t.units) for t in targets]
        check_targets(wanted)
        for target in wanted:
            await self._book.require_sku(target.sku)
            location = await self._locations.get(target.location)
            if location.kind not in POOL_KINDS or location.market_code != channel.market_code:
                raise InvalidInput(
                    f"location: {location.code} is not a DC or store of {channel.code}'s market"
                    f" {channel.market_code}"
                )
        return channel, await self._store.pool_put(channel.code, wanted)

    async def of(self, code: str) -> tuple[Channel, list[Pool]]:
        channel = await self._book.get(code)
        return channel, await self._store.pools(channel.code)
