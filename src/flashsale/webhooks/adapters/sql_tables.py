"""The webhooks' tables.

Keep them in step with ``migrations/versions/webhooks_*``: tests/integration/test_migrations.py
compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, metadata
from flashsale.webhooks.domain.delivery import DeliveryStatus
from flashsale.webhooks.domain.url_policy import MAX_URL_LENGTH

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("url", String(MAX_URL_LENGTH), nullable=False),
    Column("events", Text, nullable=False),  # "*", or kinds joined by commas
    Column("secret", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Where the fan-out has read the order event feed to: one row, moved only by a compare-and-set
# in the transaction that stores the deliveries of the events it passes.
webhook_cursors = Table(
    "webhook_cursors",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("xid", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("subscription_id", ID, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("event_xid", BigInteger, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("order_id", ID, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    # Set only while pending (the due time, or a deliverer's lease): the due deliveries are a
    # range of this index and nothing else is in it.
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_attempt_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    CheckConstraint(
        "status IN ({})".format(", ".join(f"'{s.value}'" for s in DeliveryStatus)),
        name="status_known",
    ),
    # Fan-out is exactly once; this makes a second delivery of an event a loud error.
    UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_event"),
    Index("ix_webhook_deliveries_next_attempt_at", "next_attempt_at"),
    # The ordering rule's lookup: an order's earlier deliveries to the same subscription.
    Index("ix_webhook_deliveries_chain", "subscription_id", "order_id", "event_xid", "event_seq"),
    # A subscription's deliveries of one status, newest first.
    Index("ix_webhook_deliveries_listing", "subscription_id", "status", "id"),
)
