"""What a partner is told it may sell, in the partner's own shapes.

Each pool publishes ``max(0, units - consumed - safety buffer)`` (the buffer covers what the
partner sells between two syncs). Amazon keeps one quantity per SKU (its ``DEFAULT``
fulfilment channel): the sum over the SKU's pools, sent as ``JSON_LISTINGS_FEED`` documents of
PATCH messages on ``/attributes/fulfillment_availability``, at most 25,000 SKUs a document.
Flipkart keeps stock per location (``POST /sellers/listings/v3/update/inventory`` with
``{sku: {product_id, locations: [{id, inventory}]}}``), about 50 SKUs a request.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flashsale.channels.domain.pool import Pool

AMAZON_SKUS_PER_DOCUMENT = 25_000
FLIPKART_SKUS_PER_BATCH = 50


class FeedFormat(enum.StrEnum):
    AMAZON_JSON = "amazon-json"
    FLIPKART_JSON = "flipkart-json"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Published:
    location: str
    sku: str
    units: int
    consumed: int
    buffer: int
    quantity: int  # what the partner may sell


def published(pools: Iterable[Pool], safety_buffer: int) -> list[Published]:
    """Per pool, by (SKU, location)."""
    return [
        Published(p.location, p.sku, p.units, p.consumed, safety_buffer, p.published(safety_buffer))
        for p in sorted(pools, key=lambda p: (p.sku, p.location))
    ]


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [items[:0]]


def amazon_documents(
    rows: Sequence[Published], seller_id: str, locale: str, product_type: str = "PRODUCT"
) -> list[dict[str, Any]]:
    """``JSON_LISTINGS_FEED`` documents (version 2.0), at most 25,000 SKUs each."""
    per_sku: dict[str, int] = defaultdict(int)
    for row in rows:
        per_sku[row.sku] += row.quantity
    skus = sorted(per_sku)
    documents = []
    for part in _chunks(skus, AMAZON_SKUS_PER_DOCUMENT):
        messages = [
            {
                "messageId": n,
                "sku": sku,
                "operationType": "PATCH",
                "productType": product_type,
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [
                            {"fulfillment_channel_code": "DEFAULT", "quantity": per_sku[sku]}
                        ],
                    }
                ],
            }
            for n, sku in enumerate(part, start=1)
        ]
        documents.append(
            {
                "header": {"sellerId": seller_id, "version": "2.0", "issueLocale": locale},
                "messages": messages,
            }
        )
    return documents


def flipkart_batches(rows: Sequence[Published]) -> list[dict[str, Any]]:
    """Bodies of Flipkart's inventory update, at most 50 SKUs each; the location id is the
    DC's code (the seller registers its pickup locations under those)."""
    per_sku: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        per_sku[row.sku].append({"id": row.location, "inventory": row.quantity})
    skus = sorted(per_sku)
    return [
        {sku: {"product_id": sku, "locations": per_sku[sku]} for sku in part}
        for part in _chunks(skus, FLIPKART_SKUS_PER_BATCH)
        if part
    ]


CSV_COLUMNS = ("sku", "location", "units", "consumed", "safety_buffer", "quantity")


def csv_feed(rows: Sequence[Published]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows((r.sku, r.location, r.units, r.consumed, r.buffer, r.quantity) for r in rows)
    return out.getvalue()
