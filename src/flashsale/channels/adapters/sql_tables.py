"""The channels' tables: channels, their prices and pools, and partners' order lines.

Keep them in step with ``migrations/versions/channels_0001_*``: tests/integration/
test_migrations.py compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.domain.order_line import LineStatus
from flashsale.channels.domain.returns import Outcome, ReturnKind
from flashsale.inventory.adapters.sql_tables import LOCATION_CODE
from flashsale.platform.sql.columns import Amount, UtcDateTime
from flashsale.platform.sql.metadata import CURRENCY, ID, MARKET_CODE, SKU, metadata

CHANNEL_CODE = String(32)
EXTERNAL_ID = String(64)


def _one_of(column: str, values: list[str], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=name)


channels = Table(
    "channels",
    metadata,
    Column("code", CHANNEL_CODE, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("market_code", MARKET_CODE, ForeignKey("markets.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("currency", CURRENCY, nullable=False),
    Column("safety_buffer", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    _one_of("kind", [k.value for k in ChannelKind], "kind_known"),
    CheckConstraint("safety_buffer >= 0", name="buffer_not_negative"),
)

channel_prices = Table(
    "channel_prices",
    metadata,
    Column("channel", CHANNEL_CODE, ForeignKey("channels.code"), primary_key=True),
    Column("sku", SKU, ForeignKey("variants.sku"), primary_key=True),
    Column("amount", Amount, nullable=False),
    Column("currency", CURRENCY, nullable=False),
)

# Units a partner may sell from a DC; the same units are on the level's ``committed``.
channel_pools = Table(
    "channel_pools",
    metadata,
    Column("channel", CHANNEL_CODE, ForeignKey("channels.code"), primary_key=True),
    Column("location", LOCATION_CODE, ForeignKey("locations.code"), primary_key=True),
    Column("sku", SKU, ForeignKey("variants.sku"), primary_key=True),
    Column("units", Integer, nullable=False),
    Column("consumed", Integer, nullable=False),
    CheckConstraint("consumed >= 0 AND consumed <= units", name="consumed_within_units"),
)

# A million rows on a record day: the partner's key is the primary key (a replayed report meets
# it), and nothing else is indexed. No foreign keys, as fulfilment's hot table has none (a
# check per row each): the import reads, and on PostgreSQL locks, the channel's row before it
# writes; and the SKU may be none of ours (unknown SKUs are stored as rejected lines, so the
# partner's oversell and typos stay visible). On SQLite the rows live in
# the primary key's own B-tree (WITHOUT ROWID): one tree to write a line into, not two.
channel_order_lines = Table(
    "channel_order_lines",
    metadata,
    Column("channel", CHANNEL_CODE, primary_key=True),
    Column("order_id", EXTERNAL_ID, primary_key=True),
    Column("line_id", EXTERNAL_ID, primary_key=True),
    Column("id", ID, nullable=False),
    Column("purchased_at", UtcDateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("sku", SKU, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("amount", Amount, nullable=True),
    Column("status", String(16), nullable=False),
    Column("problem", String(32), nullable=False),
    Column("location", LOCATION_CODE, nullable=True),
    Column("fulfilment_order_id", ID, nullable=True),
    _one_of("status", [s.value for s in LineStatus], "status_known"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    sqlite_with_rowid=False,
)

# A partner's cancellations and returns, once per (channel, order, line, kind): a report sent
# again meets the primary key. Few beside the lines (a return is a few in a hundred sales).
channel_returns = Table(
    "channel_returns",
    metadata,
    Column("channel", CHANNEL_CODE, ForeignKey("channels.code"), primary_key=True),
    Column("order_id", EXTERNAL_ID, primary_key=True),
    Column("line_id", EXTERNAL_ID, primary_key=True),
    Column("kind", String(16), primary_key=True),
    # A line's returns told apart (channels/domain/returns.py, return_ref): channels_0003.
    Column("ref", String(80), primary_key=True),
    Column("id", ID, nullable=False, unique=True),
    Column("at", UtcDateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("sku", SKU, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("problem", String(32), nullable=False),
    Column("location", LOCATION_CODE, nullable=True),
    Column("fulfilment_order_id", ID, nullable=True),
    _one_of("kind", [k.value for k in ReturnKind], "return_kind_known"),
    _one_of("outcome", [o.value for o in Outcome], "outcome_known"),
    CheckConstraint("quantity > 0", name="return_quantity_positive"),
)
