"""The sales' tables: each sale's terms, and who registered for it.

A sale's counter of live units (``sale_stock``) is the orders' table, which their commits move.
Keep them in step with ``migrations/versions``: tests/integration/test_migrations.py compares
the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import Column, Double, ForeignKey, Integer, Table

from flashsale.platform.sql.columns import Amount, UtcDateTime
from flashsale.platform.sql.metadata import CURRENCY, ID, MARKET_CODE, SKU, metadata

sales = Table(
    "sales",
    metadata,
    Column("id", ID, primary_key=True),
    Column("sku", SKU, ForeignKey("variants.sku"), nullable=False),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), nullable=False),
    Column("price_amount", Amount, nullable=False),
    Column("price_currency", CURRENCY, nullable=False),
    Column("stock_total", Integer, nullable=False),
    Column("per_customer_limit", Integer, nullable=False),
    Column("registration_opens_at", UtcDateTime, nullable=False),
    Column("registration_closes_at", UtcDateTime, nullable=False),
    Column("opens_at", UtcDateTime, nullable=False),
    Column("closes_at", UtcDateTime, nullable=False),
    Column("payment_window_seconds", Double, nullable=False),
)

registrations = Table(
    "registrations",
    metadata,
    Column("sale_id", ID, ForeignKey("sales.id"), primary_key=True),
    Column("customer_id", ID, ForeignKey("customers.id"), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
)
