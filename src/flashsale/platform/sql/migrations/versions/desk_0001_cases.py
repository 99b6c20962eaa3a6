"""The service desk: queues, SLA policies, calendars, macros, agents, cases and their messages,
the desk's own event feed ``case_events`` and the routers' cursors. The first revision of the
desk's own branch.

Revision ID: desk_0001
Revises: (none: a branch of its own)
Depends on: 0008 (the core head: markets with time zones)
Create Date: 2027-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "desk_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("desk",)
depends_on: str | Sequence[str] | None = "0008"

MOMENT = sa.DateTime(timezone=True)
ID = sa.String(64)
CODE = sa.String(40)
MARKET = sa.String(2)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "desk_queues",
        sa.Column("code", CODE, nullable=False),
        sa.Column("market", MARKET, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("sla_policy", CODE, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_desk_queues"),
    )
    op.create_table(
        "desk_sla_policies",
        sa.Column("code", CODE, nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("targets", JSON, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_desk_sla_policies"),
    )
    op.create_table(
        "desk_calendars",
        sa.Column("market", MARKET, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("weekly", JSON, nullable=False),
        sa.Column("holiday_country", sa.String(8), nullable=True),
        sa.Column("extra_holidays", JSON, nullable=False),
        sa.PrimaryKeyConstraint("market", name="pk_desk_calendars"),
    )
    op.create_table(
        "desk_macros",
        sa.Column("code", CODE, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("set_status", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_desk_macros"),
    )
    op.create_table(
        "desk_agents",
        sa.Column("staff_id", ID, nullable=False),
        sa.Column("market", MARKET, nullable=False),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name="pk_desk_agents"),
    )
    op.create_table(
        "desk_cases",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("market", MARKET, nullable=False),
        sa.Column("queue", CODE, nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("assignee", ID, nullable=True),
        sa.Column("over_capacity", sa.Boolean(), nullable=False),
        sa.Column("sla", JSON, nullable=False),
        sa.Column("next_due", MOMENT, nullable=True),
        sa.Column("suggested", JSON, nullable=True),
        sa.Column("awaiting_verdict", sa.Boolean(), nullable=False),
        sa.Column("deflected", sa.Boolean(), nullable=False),
        sa.Column("routed_at", MOMENT, nullable=True),
        sa.Column("pending_until", MOMENT, nullable=True),
        sa.Column("solved_at", MOMENT, nullable=True),
        sa.Column("duplicate_of", ID, nullable=True),
        sa.Column("merged_into", ID, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_desk_cases"),
        sa.UniqueConstraint("number", name="uq_desk_cases_number"),
    )
    op.create_index("ix_desk_cases_customer_id", "desk_cases", ["customer_id"])
    op.create_index("ix_desk_cases_assignee", "desk_cases", ["assignee"])
    op.create_index("ix_desk_cases_queue", "desk_cases", ["queue"])
    op.create_index("ix_desk_cases_next_due", "desk_cases", ["next_due"])
    op.create_index("ix_desk_cases_market_created_at", "desk_cases", ["market", "created_at"])
    op.create_table(
        "desk_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("author", sa.String(8), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("email_message_id", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_desk_messages"),
        sa.UniqueConstraint("email_message_id", name="uq_desk_messages_email_message_id"),
    )
    op.create_index("ix_desk_messages_case_id", "desk_messages", ["case_id"])
    op.create_table(
        "case_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("market", MARKET, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("data", JSON, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_case_events"),
    )
    op.create_index("ix_case_events_xid_seq", "case_events", ["xid", "seq"])
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    if op.get_bind().dialect.name == "postgresql":
        # As order_events: the writing transaction's id, read by (xid, seq) below the xmin.
        op.execute(
            "ALTER TABLE case_events"
            " ALTER COLUMN xid SET DEFAULT pg_current_xact_id()::text::bigint"
        )
    op.create_table(
        "desk_router_cursors",
        sa.Column("market", MARKET, nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("market", name="pk_desk_router_cursors"),
    )


def downgrade() -> None:
    for table in (
        "desk_router_cursors",
        "case_events",
        "desk_messages",
        "desk_cases",
        "desk_agents",
        "desk_macros",
        "desk_calendars",
        "desk_sla_policies",
        "desk_queues",
    ):
        op.drop_table(table)
