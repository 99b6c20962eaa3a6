"""The order event feed: ``order_events``, one row per change of an order, written in the
change's transaction; the group commit's ``place_orders`` appends the batch's rows itself.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

On PostgreSQL each row records its transaction's id (``xid``, the column's default), and the
feed is read by (xid, seq) below the oldest running transaction: see orders/domain/events.py.
``place_orders`` gains ``with_events`` (false only to measure what the feed costs) and
otherwise decides exactly as 0004's.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACE_ORDERS = """
CREATE OR REPLACE FUNCTION place_orders(batch jsonb, sale_ids text[], with_events boolean)
RETURNS TABLE (order_id varchar, outcome smallint)
LANGUAGE plpgsql AS $fn$
DECLARE
  fits boolean;
BEGIN
  -- Commits of one sale take turns on its count, in id order so that two batches of several
  -- sales never wait on each other in a cycle. Each later statement's snapshot is taken once
  -- the locks are held: it sees every order the previous holder stored.
  PERFORM 1 FROM sale_stock WHERE sale_id = ANY (sale_ids) ORDER BY sale_id FOR UPDATE;
  -- Nearly every batch of a storm fits whole: every sale has the units for all of its live
  -- orders, every customer the room under the limit for all of theirs. Such a batch is stored
  -- as it is; only one that does not is decided order by order (the gate was wrong, or the
  -- last units are going).
  WITH live AS (
    SELECT x.sale_id, x.customer_id, x.quantity
    FROM jsonb_to_recordset(batch) AS x(sale_id text, customer_id text, quantity int, status text)
    WHERE x.status IN ('reserved', 'paid')
  ),
  per_customer AS (
    SELECT l.sale_id, l.customer_id, sum(l.quantity) AS units FROM live AS l GROUP BY 1, 2
  ),
  per_sale AS (SELECT l.sale_id, sum(l.quantity) AS units FROM live AS l GROUP BY 1)
  SELECT coalesce(bool_and(checks.ok), true) INTO fits FROM (
    SELECT coalesce(c.units_held + p.units <= s.stock_total, false) AS ok
    FROM per_sale AS p
    LEFT JOIN sales AS s ON s.id = p.sale_id
    LEFT JOIN sale_stock AS c ON c.sale_id = p.sale_id
    UNION ALL
    SELECT coalesce(h.units, 0) + b.units <= s.per_customer_limit
    FROM per_customer AS b
    JOIN sales AS s ON s.id = b.sale_id
    CROSS JOIN LATERAL live_units_of(b.customer_id, b.sale_id) AS h
  ) AS checks;
  IF fits THEN
    RETURN QUERY
    WITH stored AS (
      INSERT INTO orders (id, sale_id, customer_id, sku, quantity, amount, currency, status,
                          created_at, expires_at, paid_at, closed_at, idempotency_key)
      SELECT r.id, r.sale_id, r.customer_id, r.sku, r.quantity, r.amount, r.currency,
             r.status, r.created_at, r.expires_at, r.paid_at, r.closed_at, r.idempotency_key
      FROM jsonb_populate_recordset(NULL::orders, batch) AS r
      ON CONFLICT (customer_id, idempotency_key) DO NOTHING
      RETURNING orders.id, orders.sale_id, orders.customer_id, orders.quantity, orders.status,
                orders.created_at
    ),
    evented AS (  -- the feed's rows, in this transaction (orders/domain/events.py)
      INSERT INTO order_events (order_id, kind, at, actor)
      SELECT t.id, 'order.' || t.status, t.created_at, 'customer:' || t.customer_id
      FROM stored AS t WHERE with_events
      RETURNING order_events.seq
    ),
    counted AS (
      UPDATE sale_stock AS s SET units_held = s.units_held + c.units
      FROM (SELECT t.sale_id, sum(t.quantity) AS units FROM stored AS t
            WHERE t.status IN ('reserved', 'paid') GROUP BY t.sale_id) AS c
      WHERE s.sale_id = c.sale_id
      RETURNING s.sale_id
    )
    SELECT t.id::varchar, 0::smallint FROM stored AS t;
    RETURN;
  END IF;
  RETURN QUERY
    WITH incoming AS MATERIALIZED (
      SELECT r.* FROM jsonb_populate_recordset(NULL::orders, batch) WITH ORDINALITY AS r
    ),
    fresh AS (  -- a replayed idempotency key is skipped, neither stored nor refused
      SELECT i.id, i.sale_id, i.customer_id, i.quantity, i.ordinality,
             i.status IN ('reserved', 'paid') AS live
      FROM incoming AS i
      WHERE i.idempotency_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM orders AS o
        WHERE o.customer_id = i.customer_id AND o.idempotency_key = i.idempotency_key)
    ),
    held AS (
      SELECT b.sale_id, b.customer_id, h.units
      FROM (SELECT DISTINCT f.sale_id, f.customer_id FROM fresh AS f) AS b
      CROSS JOIN LATERAL live_units_of(b.customer_id, b.sale_id) AS h
    ),
    limited AS (
      SELECT f.*, coalesce(NOT f.live OR coalesce(h.units, 0) + sum(f.quantity)
          FILTER (WHERE f.live) OVER (PARTITION BY f.sale_id, f.customer_id ORDER BY f.ordinality)
          <= s.per_customer_limit, true) AS within_limit
      FROM fresh AS f
      LEFT JOIN sales AS s ON s.id = f.sale_id
      LEFT JOIN held AS h ON h.sale_id = f.sale_id AND h.customer_id = f.customer_id
    ),
    stocked AS (  -- a sale without its count refuses (its row is made with the sale)
      SELECT l.id, coalesce(NOT l.live OR coalesce(c.units_held, s.stock_total) + sum(l.quantity)
          FILTER (WHERE l.live) OVER (PARTITION BY l.sale_id ORDER BY l.ordinality)
          <= s.stock_total, true) AS within_stock
      FROM limited AS l
      LEFT JOIN sales AS s ON s.id = l.sale_id
      LEFT JOIN sale_stock AS c ON c.sale_id = l.sale_id
      WHERE l.within_limit
    ),
    stored AS (
      INSERT INTO orders (id, sale_id, customer_id, sku, quantity, amount, currency, status,
                          created_at, expires_at, paid_at, closed_at, idempotency_key)
      SELECT i.id, i.sale_id, i.customer_id, i.sku, i.quantity, i.amount, i.currency, i.status,
             i.created_at, i.expires_at, i.paid_at, i.closed_at, i.idempotency_key
      FROM incoming AS i JOIN stocked AS k ON k.id = i.id
      WHERE k.within_stock ORDER BY i.ordinality
      ON CONFLICT (customer_id, idempotency_key) DO NOTHING
      RETURNING orders.id, orders.sale_id, orders.customer_id, orders.quantity, orders.status,
                orders.created_at
    ),
    evented AS (  -- the feed's rows, in this transaction (orders/domain/events.py)
      INSERT INTO order_events (order_id, kind, at, actor)
      SELECT t.id, 'order.' || t.status, t.created_at, 'customer:' || t.customer_id
      FROM stored AS t WHERE with_events
      RETURNING order_events.seq
    ),
    counted AS (
      UPDATE sale_stock AS s SET units_held = s.units_held + c.units
      FROM (SELECT t.sale_id, sum(t.quantity) AS units FROM stored AS t
            WHERE t.status IN ('reserved', 'paid') GROUP BY t.sale_id) AS c
      WHERE s.sale_id = c.sale_id
      RETURNING s.sale_id
    )
    SELECT t.id::varchar, 0::smallint FROM stored AS t
    UNION ALL SELECT l.id::varchar, 1::smallint FROM limited AS l WHERE NOT l.within_limit
    UNION ALL SELECT k.id::varchar, 2::smallint FROM stocked AS k WHERE NOT k.within_stock;
END
$fn$
"""


def upgrade() -> None:
    op.create_table(
        "order_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_events_order_id"),
        sa.PrimaryKeyConstraint("seq", name="pk_order_events"),
    )
    op.create_index("ix_order_events_xid_seq", "order_events", ["xid", "seq"])
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"])
    if op.get_bind().dialect.name == "postgresql":
        # xid8 as a bigint: 64 bits with the epoch, never wrapping, and comparable as one.
        op.execute(
            "ALTER TABLE order_events"
            " ALTER COLUMN xid SET DEFAULT pg_current_xact_id()::text::bigint"
        )
        op.execute("DROP FUNCTION place_orders(jsonb, text[])")
        op.execute(PLACE_ORDERS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION place_orders(jsonb, text[], boolean)")
        op.execute(_revision_0004().PLACE_ORDERS)
    op.drop_table("order_events")


def _revision_0004() -> Any:
    path = Path(__file__).with_name("0004_sale_stock.py")
    spec = importlib.util.spec_from_file_location("flashsale_migration_0004", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
