"""Feeds: what each pool publishes (never below zero, the buffer kept back), Amazon's listings
feed in documents of at most 25,000 SKUs, Flipkart's inventory updates in batches of 50, CSV;
each validated against the partner's shape, and sent through the MarketplaceClient."""

from __future__ import annotations

import csv
import io

from flashsale.channels.domain.feeds import (
    FeedFormat,
    amazon_documents,
    flipkart_batches,
    published,
)
from flashsale.channels.domain.pool import Pool, PoolTarget
from tests.unit.channels.conftest import BAND, BAND_ORANGE, Partner
from tests.unit.channels.shapes import AMAZON_LISTINGS_FEED, FLIPKART_INVENTORY_UPDATE, validate


def pools(skus: int) -> list[Pool]:
    return [Pool("AMAZON_IN", "DC-BLR", f"MI-{n:05d}", 10, n % 12) for n in range(skus)]


def test_a_pool_publishes_what_is_left_less_the_buffer_never_below_zero() -> None:
    rows = published([Pool("A", "DC-1", "X", 10, 3), Pool("A", "DC-1", "Y", 10, 9)], 2)
    assert [(r.sku, r.quantity) for r in rows] == [("X", 5), ("Y", 0)]


def test_amazon_documents_hold_at_most_25000_skus_each() -> None:
    rows = published(pools(25_001), 1)
    documents = amazon_documents(rows, "A1SELLER", "en_IN")
    assert [len(d["messages"]) for d in documents] == [25_000, 1]
    assert documents[1]["messages"][0]["messageId"] == 1
    small = amazon_documents(published(pools(30), 1), "A1SELLER", "en_IN")
    for document in small:
        validate(document, AMAZON_LISTINGS_FEED)
    quantities = [m["patches"][0]["value"][0]["quantity"] for m in small[0]["messages"]]
    assert quantities[:3] == [9, 8, 7] and min(quantities) == 0


def test_amazon_sums_a_skus_pools_at_several_dcs() -> None:
    rows = published([Pool("A", "DC-1", "X", 10, 0), Pool("A", "DC-2", "X", 5, 0)], 1)
    (document,) = amazon_documents(rows, "S", "en_IN")
    (message,) = document["messages"]
    assert message["patches"][0]["value"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 13}
    ]


def test_flipkart_batches_hold_at_most_50_skus_with_their_locations() -> None:
    batches = flipkart_batches(published(pools(120), 1))
    assert [len(b) for b in batches] == [50, 50, 20]
    for batch in batches:
        validate(batch, FLIPKART_INVENTORY_UPDATE)
    assert batches[0]["MI-00000"] == {
        "product_id": "MI-00000",
        "locations": [{"id": "DC-BLR", "inventory": 9}],
    }
    assert flipkart_batches([]) == []


async def test_the_feed_service_makes_every_shape_and_sends_through_the_client(
    partner: Partner,
) -> None:
    await partner.channels.pools.put(
        "AMAZON_IN", [PoolTarget("DC-BLR", BAND, 4), PoolTarget("DC-GGN", BAND_ORANGE, 1)]
    )
    amazon = await partner.channels.feeds.make("AMAZON_IN", FeedFormat.AMAZON_JSON, "A1SELLER")
    (document,) = amazon.documents
    validate(document, AMAZON_LISTINGS_FEED)
    text = (await partner.channels.feeds.make("AMAZON_IN", FeedFormat.CSV)).body().decode()
    assert list(csv.reader(io.StringIO(text))) == [
        ["sku", "location", "units", "consumed", "safety_buffer", "quantity"],
        [BAND, "DC-BLR", "4", "0", "1", "3"],
        [BAND_ORANGE, "DC-GGN", "1", "0", "1", "0"],
    ]
    ids = await partner.channels.feeds.send("AMAZON_IN", FeedFormat.FLIPKART_JSON)
    (sent,) = partner.client.sent
    assert ids == [sent.id] and sent.kind == "inventory"
    validate(sent.document, FLIPKART_INVENTORY_UPDATE)
