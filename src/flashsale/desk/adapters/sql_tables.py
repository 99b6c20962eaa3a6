"""The desk's tables.

Keep them in step with ``migrations/versions/desk_*``: tests/integration/test_migrations.py
compares the migrated database with the metadata. What is read with its row and never
searched by (SLA stamps, a suggested answer, weekly hours) is JSON; what the views and the
sweeper search by has a column and an index.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, MARKET_CODE, metadata

CODE = String(40)
_JSON = JSON().with_variant(JSONB(), "postgresql")

desk_queues = Table(
    "desk_queues",
    metadata,
    Column("code", CODE, primary_key=True),
    Column("market", MARKET_CODE, nullable=False),
    Column("language", String(8), nullable=False),
    Column("topics", Text, nullable=False),  # space-separated
    Column("sla_policy", CODE, nullable=False),
)

desk_sla_policies = Table(
    "desk_sla_policies",
    metadata,
    Column("code", CODE, primary_key=True),
    Column("business_hours", Boolean, nullable=False),
    Column("targets", _JSON, nullable=False),
)

desk_calendars = Table(
    "desk_calendars",
    metadata,
    Column("market", MARKET_CODE, primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("weekly", _JSON, nullable=False),
    Column("holiday_country", String(8), nullable=True),
    Column("extra_holidays", _JSON, nullable=False),
)

desk_macros = Table(
    "desk_macros",
    metadata,
    Column("code", CODE, primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("set_status", String(16), nullable=True),
)

desk_agents = Table(
    "desk_agents",
    metadata,
    Column("staff_id", ID, primary_key=True),
    Column("market", MARKET_CODE, nullable=False),
    Column("languages", Text, nullable=False),
    Column("topics", Text, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_since", UtcDateTime, nullable=False),
)

desk_cases = Table(
    "desk_cases",
    metadata,
    Column("id", ID, primary_key=True),
    Column("number", String(16), nullable=False, unique=True),
    Column("customer_id", ID, nullable=True),
    Column("contact", String(254), nullable=False),
    Column("order_id", ID, nullable=True),
    Column("channel", String(8), nullable=False),
    Column("topic", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("market", MARKET_CODE, nullable=False),
    Column("queue", CODE, nullable=False),
    Column("priority", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("subject", Text, nullable=False),
    Column("assignee", ID, nullable=True),
    Column("over_capacity", Boolean, nullable=False),
    Column("sla", _JSON, nullable=False),
    # The earliest due time not breached yet while the clock runs: what the sweeper and the
    # breaching view search by.
    Column("next_due", UtcDateTime, nullable=True),
    Column("suggested", _JSON, nullable=True),
    Column("awaiting_verdict", Boolean, nullable=False),
    Column("deflected", Boolean, nullable=False),
    Column("routed_at", UtcDateTime, nullable=True),
    Column("pending_until", UtcDateTime, nullable=True),
    Column("solved_at", UtcDateTime, nullable=True),
    Column("duplicate_of", ID, nullable=True),
    Column("merged_into", ID, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_desk_cases_customer_id", "customer_id"),
    Index("ix_desk_cases_assignee", "assignee"),
    Index("ix_desk_cases_queue", "queue"),
    Index("ix_desk_cases_next_due", "next_due"),
    Index("ix_desk_cases_market_created_at", "market", "created_at"),
)

desk_messages = Table(
    "desk_messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("case_id", ID, nullable=False),
    Column("author", String(8), nullable=False),
    Column("author_id", ID, nullable=True),
    Column("body", Text, nullable=False),
    Column("internal", Boolean, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("email_message_id", String(255), nullable=True, unique=True),
    Index("ix_desk_messages_case_id", "case_id"),
)

# The desk's event feed: like order_events, ``xid`` is the writing transaction's id on
# PostgreSQL (the column's default there), NULL on SQLite where ``seq`` alone orders the feed.
case_events = Table(
    "case_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("xid", BigInteger, nullable=True),
    Column("case_id", ID, nullable=True),  # None: an agent's event
    Column("market", MARKET_CODE, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("data", _JSON, nullable=True),
    Index("ix_case_events_xid_seq", "xid", "seq"),
    Index("ix_case_events_case_id", "case_id"),
)

desk_router_cursors = Table(
    "desk_router_cursors",
    metadata,
    Column("market", MARKET_CODE, primary_key=True),
    Column("xid", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
)
