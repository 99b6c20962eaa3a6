"""Reporting's tables.

Keep them in step with ``migrations/versions/reporting_*``: tests/integration/test_migrations.py
compares the migrated database with the metadata.

Amounts in the facts are integers of ten-thousandths of the currency's unit
(``domain/facts.py``): exact, and summed by SQLite and PostgreSQL alike without rounding.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from flashsale.platform.sql.columns import Amount, UtcDateTime
from flashsale.platform.sql.metadata import CURRENCY, ID, MARKET_CODE, SKU, metadata
from flashsale.reporting.domain.facts import MEASURES

CHANNEL = String(32)


def _measures() -> list[Column[int]]:
    return [Column(name, BigInteger, nullable=False, server_default="0") for name in MEASURES]


def _facts(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("day_local", Date, nullable=False),
        Column("market", MARKET_CODE, nullable=False),
        Column("channel", CHANNEL, nullable=False),
        Column("sku", SKU, nullable=False),
        Column("currency", CURRENCY, nullable=False),
        Column("is_rehearsal", Boolean, nullable=False),
        *_measures(),
        PrimaryKeyConstraint(
            "day_local", "market", "channel", "sku", "currency", "is_rehearsal", name=f"pk_{name}"
        ),
    )


# One row per market-local day, market, channel, SKU, currency and rehearsal flag.
sales_facts_daily = _facts("sales_facts_daily")
# What ``flashsale report rebuild`` replays the feed into, before it replaces the live facts.
sales_facts_daily_shadow = _facts("sales_facts_daily_shadow")

# The same facts without the SKU: questions that do not ask by SKU read ~50 times fewer rows.
sales_facts_markets = Table(
    "sales_facts_markets",
    metadata,
    Column("day_local", Date, nullable=False),
    Column("market", MARKET_CODE, nullable=False),
    Column("channel", CHANNEL, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("is_rehearsal", Boolean, nullable=False),
    *_measures(),
    PrimaryKeyConstraint(
        "day_local", "market", "channel", "currency", "is_rehearsal", name="pk_sales_facts_markets"
    ),
)

# Where the facts (name "live") and the rebuild's shadow ("shadow") have read the feed to:
# moved in the transaction that adds a batch's facts, so each event counts exactly once.
report_cursors = Table(
    "report_cursors",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("xid", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
)

# Each sale's stock as the feed tells it, for the sell-out times; "live" or "shadow".
report_sellouts = Table(
    "report_sellouts",
    metadata,
    Column("copy", String(8), nullable=False),
    Column("sale_id", ID, nullable=False),
    Column("market", MARKET_CODE, nullable=False),
    Column("sku", SKU, nullable=False),
    Column("is_rehearsal", Boolean, nullable=False),
    Column("opens_at", UtcDateTime, nullable=False),
    Column("stock_total", Integer, nullable=False),
    Column("units_taken", BigInteger, nullable=False),
    Column("units_live", BigInteger, nullable=False),
    Column("sold_out_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("copy", "sale_id", name="pk_report_sellouts"),
)

# Dated rates: one unit of ``base`` buys ``rate`` units of ``quote`` on ``day``.
fx_rates = Table(
    "fx_rates",
    metadata,
    Column("day", Date, nullable=False),
    Column("base", CURRENCY, nullable=False),
    Column("quote", CURRENCY, nullable=False),
    Column("rate", Amount, nullable=False),
    Column("source", String(32), nullable=False),
    Column("entered_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("day", "base", "quote", name="pk_fx_rates"),
    Index("ix_fx_rates_pair", "base", "quote", "day"),
)

# "" for a target over every market or channel: NULLs would not collide in the unique key.
report_targets = Table(
    "report_targets",
    metadata,
    Column("id", ID, primary_key=True),
    Column("period", String(10), nullable=False),
    Column("market", String(2), nullable=False),
    Column("channel", CHANNEL, nullable=False),
    Column("metric", String(16), nullable=False),
    Column("value", Amount, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("period", "market", "channel", "metric", name="uq_report_targets_scope"),
)

# Sales whose orders are a rehearsal's, kept apart from the real numbers.
report_rehearsal_sales = Table(
    "report_rehearsal_sales",
    metadata,
    Column("sale_id", ID, primary_key=True),
    Column("marked_at", UtcDateTime, nullable=False),
)
