"""Reporting: the daily ``sales_facts_daily`` (and the rebuild's shadow copy), their SKU-less
rollup ``sales_facts_markets``, the projector's ``report_cursors``, the sales' sell-out
progress, dated ``fx_rates``, ``report_targets`` and the sales marked as rehearsals. The first
revision of reporting's own branch.

Revision ID: reporting_0001
Revises: (none: a branch of its own)
Depends on: 0008 (markets' time zones, in which the facts' days are counted)
Create Date: 2027-01-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reporting_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("reporting",)
depends_on: str | Sequence[str] | None = "0008"

MOMENT = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric().with_variant(sa.String(40), "sqlite")
MEASURES = (
    "orders",
    "units_sold",
    "revenue",
    "units_cancelled",
    "revenue_cancelled",
    "refunds",
    "units_shipped",
    "units_delivered",
    "units_returned",
)


def _measures() -> list[sa.Column[int]]:
    return [sa.Column(m, sa.BigInteger(), nullable=False, server_default="0") for m in MEASURES]


def _facts(name: str) -> None:
    op.create_table(
        name,
        sa.Column("day_local", sa.Date(), nullable=False),
        sa.Column("market", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("is_rehearsal", sa.Boolean(), nullable=False),
        *_measures(),
        sa.PrimaryKeyConstraint(
            "day_local", "market", "channel", "sku", "currency", "is_rehearsal", name=f"pk_{name}"
        ),
    )


def upgrade() -> None:
    _facts("sales_facts_daily")
    _facts("sales_facts_daily_shadow")
    op.create_table(
        "sales_facts_markets",
        sa.Column("day_local", sa.Date(), nullable=False),
        sa.Column("market", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("is_rehearsal", sa.Boolean(), nullable=False),
        *_measures(),
        sa.PrimaryKeyConstraint(
            "day_local",
            "market",
            "channel",
            "currency",
            "is_rehearsal",
            name="pk_sales_facts_markets",
        ),
    )
    op.create_table(
        "report_cursors",
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_report_cursors"),
    )
    op.create_table(
        "report_sellouts",
        sa.Column("copy", sa.String(8), nullable=False),
        sa.Column("sale_id", sa.String(64), nullable=False),
        sa.Column("market", sa.String(2), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("is_rehearsal", sa.Boolean(), nullable=False),
        sa.Column("opens_at", MOMENT, nullable=False),
        sa.Column("stock_total", sa.Integer(), nullable=False),
        sa.Column("units_taken", sa.BigInteger(), nullable=False),
        sa.Column("units_live", sa.BigInteger(), nullable=False),
        sa.Column("sold_out_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("copy", "sale_id", name="pk_report_sellouts"),
    )
    op.create_table(
        "fx_rates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("base", sa.String(3), nullable=False),
        sa.Column("quote", sa.String(3), nullable=False),
        sa.Column("rate", AMOUNT, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("entered_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("day", "base", "quote", name="pk_fx_rates"),
    )
    op.create_index("ix_fx_rates_pair", "fx_rates", ["base", "quote", "day"])
    op.create_table(
        "report_targets",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("market", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("metric", sa.String(16), nullable=False),
        sa.Column("value", AMOUNT, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_targets"),
        sa.UniqueConstraint(
            "period", "market", "channel", "metric", name="uq_report_targets_scope"
        ),
    )
    op.create_table(
        "report_rehearsal_sales",
        sa.Column("sale_id", sa.String(64), nullable=False),
        sa.Column("marked_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("sale_id", name="pk_report_rehearsal_sales"),
    )


def downgrade() -> None:
    op.drop_table("report_rehearsal_sales")
    op.drop_table("report_targets")
    op.drop_index("ix_fx_rates_pair", table_name="fx_rates")
    op.drop_table("fx_rates")
    op.drop_table("report_sellouts")
    op.drop_table("report_cursors")
    op.drop_table("sales_facts_markets")
    op.drop_table("sales_facts_daily_shadow")
    op.drop_table("sales_facts_daily")
