"""The catalogue's tables: markets, products, their variants and their prices per market.

Keep them in step with ``migrations/versions``: tests/integration/test_migrations.py compares
the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from flashsale.platform.sql.columns import Amount
from flashsale.platform.sql.metadata import CURRENCY, ID, MARKET_CODE, SKU, metadata

markets = Table(
    "markets",
    metadata,
    Column("code", MARKET_CODE, primary_key=True),
    Column("name", Text, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("locale", String(35), nullable=False),
    # IANA; markets added before zones were asked for read as UTC.
    Column("timezone", String(64), nullable=False, server_default="UTC"),
)

products = Table(
    "products",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
)

variants = Table(
    "variants",
    metadata,
    Column("sku", SKU, primary_key=True),
    Column("product_id", ID, ForeignKey("products.id"), nullable=False, index=True),
    Column("attributes", JSON, nullable=False),
    # The order the variants were given in, so that a product reads back as it was added.
    Column("position", Integer, nullable=False),
)

prices = Table(
    "prices",
    metadata,
    Column("sku", SKU, ForeignKey("variants.sku"), primary_key=True),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), primary_key=True),
    Column("amount", Amount, nullable=False),
    Column("currency", CURRENCY, nullable=False),
)

# A product's pictures; the files themselves are in the media store, under ``media_key``.
product_images = Table(
    "product_images",
    metadata,
    Column("id", ID, primary_key=True),
    Column("product_id", ID, ForeignKey("products.id"), nullable=False),
    # The variant it shows; NULL: the product as a whole.
    Column("sku", SKU, ForeignKey("variants.sku"), nullable=True),
    Column("media_key", String(300), nullable=False, unique=True),
    Column("content_type", String(64), nullable=False),
    Column("alt", Text, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Index("ix_product_images_product_position", "product_id", "position"),
)
