"""A chunk of a partner's cancellations and returns in SQL, one transaction, SQLite and
PostgreSQL alike (SQLAlchemy Core: returns are a few in a hundred lines, so per-row statements
are affordable where the import needs arrays).

On PostgreSQL the channel's row is locked first, as an import locks it (a line's import and its
cancellation take turns), then the lines' fulfilment orders (``FOR UPDATE``, in id order): a wave
cut or a shipment waits, or is waited for, so the status the planner reads is the one the guarded
update finds. On SQLite the writer's transaction holds the database. Every update is guarded
all the same (``status = 'allocated'``, ``allocated >= n``, ``consumed >= n``): a guard short of
its count rolls the chunk back (``PoolChanged``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, RowMapping, insert, select, update

from flashsale.channels.adapters.sql_tables import (
    channel_order_lines,
    channel_pools,
    channel_returns,
    channels,
)
from flashsale.channels.domain.order_line import LineStatus, StoredLine
from flashsale.channels.domain.return_planning import (
    CANCELLED_REASON,
    ReturnKey,
    ReturnPlan,
)
from flashsale.channels.domain.returns import Outcome, ReportedReturn, ReturnKind, StoredReturn
from flashsale.channels.errors import PoolChanged
from flashsale.channels.ports import ReturnPlanner
from flashsale.fulfilment.adapters.sql_tables import fulfilment_orders
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.adapters.sql_tables import stock_levels, stock_moves


def line_of(row: RowMapping) -> StoredLine:
    return StoredLine(
        row["id"], row["channel"], row["order_id"], row["line_id"], row["purchased_at"],
        row["day"], row["sku"], row["quantity"], row["currency"], row["amount"],
        LineStatus(row["status"]), row["problem"], row["location"], row["fulfilment_order_id"],
    )  # fmt: skip


def return_row(ret: StoredReturn) -> dict[str, object]:
    return {
        "channel": ret.channel,
        "order_id": ret.order_id,
        "line_id": ret.line_id,
        "kind": ret.kind.value,
        "id": ret.id,
        "at": ret.at,
        "day": ret.day,
        "sku": ret.sku,
        "quantity": ret.quantity,
        "outcome": ret.outcome.value,
        "problem": ret.problem,
        "location": ret.location,
        "fulfilment_order_id": ret.fulfilment_order_id,
        "ref": ret.ref,
    }


def stored_return(row: RowMapping) -> StoredReturn:
    return StoredReturn(
        row["id"], row["channel"], row["order_id"], row["line_id"], ReturnKind(row["kind"]),
        row["at"], row["day"], row["sku"], row["quantity"], Outcome(row["outcome"]),
        row["problem"], row["location"], row["fulfilment_order_id"], row["ref"],
    )  # fmt: skip


def apply_returns(
    conn: Connection,
    postgres: bool,
    channel: str,
    returns: Sequence[ReportedReturn],
    planner: ReturnPlanner,
) -> ReturnPlan:
    c, ln, r, f = channels.c, channel_order_lines.c, channel_returns.c, fulfilment_orders.c
    if postgres:
        conn.execute(select(c.code).where(c.code == channel).with_for_update())
    order_ids = sorted({x.order_id for x in returns})
    lines: dict[str, list[StoredLine]] = defaultdict(list)
    query = (
        select(channel_order_lines)
        .where(ln.channel == channel, ln.order_id.in_(order_ids))
        .order_by(ln.order_id, ln.line_id)
    )
    for row in conn.execute(query).mappings():
        lines[row["order_id"]].append(line_of(row))
    query = select(channel_returns).where(r.channel == channel, r.order_id.in_(order_ids))
    stored: dict[ReturnKey, StoredReturn] = {
        (ret.order_id, ret.line_id, ret.kind.value, ret.ref): ret
        for ret in map(stored_return, conn.execute(query).mappings())
    }
    fo_ids = sorted(
        {x.fulfilment_order_id for ls in lines.values() for x in ls if x.fulfilment_order_id}
    )
    statuses: dict[str, FulfilmentStatus] = {}
    if fo_ids:
        query = select(f.id, f.status).where(f.id.in_(fo_ids)).order_by(f.id)
        if postgres:
            query = query.with_for_update()
        statuses = {row[0]: FulfilmentStatus(row[1]) for row in conn.execute(query)}
    plan = planner(returns, stored, lines, statuses)
    _write(conn, channel, plan)
    return plan


def _write(conn: Connection, channel: str, plan: ReturnPlan) -> None:
    f, s, p = fulfilment_orders.c, stock_levels.c, channel_pools.c
    if plan.rows:
        conn.execute(insert(channel_returns), [return_row(x) for x in plan.rows])
    if plan.cancelled:
        done = conn.execute(
            update(fulfilment_orders)
            .where(f.id.in_(plan.cancelled), f.status == FulfilmentStatus.ALLOCATED.value)
            .values(
                status=FulfilmentStatus.CANCELLED.value, reason=CANCELLED_REASON,
                updated_at=plan.at,
            )
        ).rowcount  # fmt: skip
        if done != len(plan.cancelled):
            raise PoolChanged("a partner line's fulfilment order moved while it was cancelled")
    for (location, sku), units in sorted(plan.released.items()):
        level = conn.execute(
            update(stock_levels)
            .where(s.location == location, s.sku == sku, s.allocated >= units)
            .values(allocated=s.allocated - units, committed=s.committed + units)
        ).rowcount
        pool = conn.execute(
            update(channel_pools)
            .where(p.channel == channel, p.location == location, p.sku == sku)
            .where(p.consumed >= units)
            .values(consumed=p.consumed - units)
        ).rowcount
        if (level, pool) != (1, 1):
            raise PoolChanged(f"{sku} at {location}: fewer units allocated or consumed than"
                              " the cancellations give back")  # fmt: skip
    for (location, sku), units in sorted(plan.received.items()):
        if (
            units
            and conn.execute(
                update(stock_levels)
                .where(s.location == location, s.sku == sku)
                .values(on_hand=s.on_hand + units)
            ).rowcount
            != 1
        ):
            raise PoolChanged(f"{sku} at {location}: no level to take the return back")
    if plan.moves:
        conn.execute(
            insert(stock_moves),
            [
                {
                    "location": m.location,
                    "sku": m.sku,
                    "kind": m.kind.value,
                    "on_hand_change": m.on_hand_change,
                    "allocated_change": m.allocated_change,
                    "reference": m.reference,
                    "actor": m.actor,
                    "at": m.at,
                }
                for m in plan.moves
            ],
        )
