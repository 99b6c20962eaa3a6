"""The outbox's table.

Keep it in step with ``migrations/versions/notifications_*``: tests/integration/test_migrations.py
compares the migrated database with the metadata.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, String, Table, Text

from flashsale.notifications.domain.outbox import MailStatus
from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.metadata import ID, metadata

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", ID, primary_key=True),
    Column("recipient", String(254), nullable=False),
    Column("template", String(64), nullable=False),
    Column("locale", String(35), nullable=False),
    Column("subject", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    # Set only while pending: the due mails are a range of this index, and nothing else is in it.
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    CheckConstraint(
        "status IN ({})".format(", ".join(f"'{s.value}'" for s in MailStatus)),
        name="status_known",
    ),
    Index("ix_mail_outbox_next_attempt_at", "next_attempt_at"),
    # The console's and the command line's pages of one status, newest first.
    Index("ix_mail_outbox_status_id", "status", "id"),
)
