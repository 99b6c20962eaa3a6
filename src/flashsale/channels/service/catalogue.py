"""Channels and their price lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.catalog.model import Variant
from flashsale.channels.domain.channel import WEB, Channel, ChannelKind, ChannelPrice
from flashsale.channels.ports import ChannelRepository
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.money import parse_price


class CatalogReader(Protocol):
    """``Catalog``: markets (a channel's currency is its market's) and SKUs."""

    async def find_market(self, code: str) -> Market | None: ...

    async def variant(self, sku: str) -> Variant | None: ...


class ChannelBook:
    def __init__(self, store: ChannelRepository, catalog: CatalogReader) -> None:
        self._store = store
        self._catalog = catalog

    async def market_of(self, channel: Channel) -> Market:
        market = await self._catalog.find_market(channel.market_code)
        if market is None:  # a foreign key keeps it from happening
            raise NotFound(f"market {channel.market_code} is not in the catalogue")
        return market

    async def add(
        self,
        code: str,
        kind: ChannelKind,
        market_code: str,
        name: str,
        safety_buffer: int = 0,
        active: bool = True,
    ) -> Channel:
        """A channel selling in its market's currency; ``Conflict`` when the code is taken."""
        market = await self._catalog.find_market(market_code.upper())
        if market is None:
            raise InvalidInput(f"market: {market_code[:8]!r} is not a market of the shop")
        channel = Channel(
            code.upper(), kind, market.code, name, market.currency, safety_buffer, active
        )
        await self._store.channel_add(channel)
        return channel

    async def change(
        self, code: str, name: str | None = None, safety_buffer: int | None = None,
        active: bool | None = None,
    ) -> Channel:  # fmt: skip
        current = await self.get(code)
        changed = Channel(
            current.code,
            current.kind,
            current.market_code,
            current.name if name is None else name,
            current.currency,
            current.safety_buffer if safety_buffer is None else safety_buffer,
            current.active if active is None else active,
        )
        if not await self._store.channel_replace(changed):
            raise NotFound(f"channel {code} is not in the record")
        return changed

    async def ensure_web(self, market_code: str) -> Channel:
        """The shop's own site as channel ``WEB``, made on demand (markets are data, not
        schema, so no migration can seed it)."""
        found = await self._store.channel(WEB)
        if found is not None:
            return found
        return await self.add(WEB, ChannelKind.WEB, market_code, "Mi.com")

    async def require_sku(self, sku: str) -> None:
        if await self._catalog.variant(sku) is None:
            raise InvalidInput(f"sku: {sku[:64]!r} is not in the catalogue")

    async def get(self, code: str) -> Channel:
        found = await self._store.channel(code.upper())
        if found is None:
            raise NotFound(f"channel {code[:40]} is not in the record")
        return found

    async def all(self) -> list[Channel]:
        return await self._store.channels()

    async def put_prices(self, code: str, amounts: Sequence[tuple[str, str]]) -> list[ChannelPrice]:
        """Set (sku, amount) prices, in the channel's currency, at most its minor unit."""
        channel = await self.get(code)
        prices = []
        for sku, amount in amounts:
            await self.require_sku(sku)
            prices.append(ChannelPrice(channel.code, sku, parse_price(amount, channel.currency)))
        await self._store.channel_put_prices(prices)
        return await self._store.channel_prices(channel.code)

    async def unlist(self, code: str, sku: str) -> None:
        channel = await self.get(code)
        if not await self._store.channel_remove_price(channel.code, sku):
            raise NotFound(f"{sku[:64]} is not listed on {channel.code}")

    async def prices(self, code: str) -> list[ChannelPrice]:
        channel = await self.get(code)
        return await self._store.channel_prices(channel.code)
