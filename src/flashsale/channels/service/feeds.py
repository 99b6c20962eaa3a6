"""What partners are told they may sell: their feeds, made from the pools, and sent through
the ``MarketplaceClient``."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from flashsale.channels.domain.feeds import (
    FeedFormat,
    amazon_documents,
    csv_feed,
    flipkart_batches,
    published,
)
from flashsale.channels.ports import ChannelRepository, MarketplaceClient
from flashsale.channels.service.catalogue import ChannelBook
from flashsale.channels.service.pools import require_partner

FEED_KINDS = {FeedFormat.AMAZON_JSON: "JSON_LISTINGS_FEED", FeedFormat.FLIPKART_JSON: "inventory"}


@dataclass(frozen=True, slots=True)
class Feed:
    channel: str
    format: FeedFormat
    media_type: str
    documents: list[object]  # Amazon's documents or Flipkart's batches; [the text] for CSV

    def body(self) -> bytes:
        """The answer's bytes: a CSV's text, or ``{"documents": [...]}``."""
        if self.format is FeedFormat.CSV:
            text = self.documents[0]
            assert isinstance(text, str)
            return text.encode()
        return orjson.dumps({"channel": self.channel, "documents": self.documents})


class Feeds:
    def __init__(
        self, store: ChannelRepository, book: ChannelBook, client: MarketplaceClient
    ) -> None:
        self._store = store
        self._book = book
        self._client = client

    async def make(self, code: str, kind: FeedFormat, seller_id: str | None = None) -> Feed:
        channel = await self._book.get(code)
        require_partner(channel)
        rows = published(await self._store.pools(channel.code), channel.safety_buffer)
        if kind is FeedFormat.AMAZON_JSON:
            market = await self._book.market_of(channel)
            documents: list[object] = list(
                amazon_documents(rows, seller_id or channel.code, market.locale)
            )
            return Feed(channel.code, kind, "application/json", documents)
        if kind is FeedFormat.FLIPKART_JSON:
            return Feed(channel.code, kind, "application/json", list(flipkart_batches(rows)))
        return Feed(channel.code, kind, "text/csv; charset=utf-8", [csv_feed(rows)])

    async def send(self, code: str, kind: FeedFormat, seller_id: str | None = None) -> list[str]:
        """Make the feed and hand its documents to the partner's API; their ids."""
        if kind is FeedFormat.CSV:
            kind = FeedFormat.AMAZON_JSON
        feed = await self.make(code, kind, seller_id)
        return await self._client.submit_feed(feed.channel, FEED_KINDS[kind], feed.documents)
