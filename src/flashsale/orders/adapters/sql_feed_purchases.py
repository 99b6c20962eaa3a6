"""The purchases in the order event feed, in SQL (ports.PurchasesInFeed): both reads walk the
primary key of ``order_events`` from one end (PostgreSQL: an index-only backward scan for the
head, a forward range scan for the events after a seq; SQLite: its rowid).

The statements are built once: a worker samples four times a second, and building one costs
more of its CPU than the database spends answering it."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from flashsale.kernel.purchase_sampler import FeedGrowth
from flashsale.orders.adapters.sql_tables import order_events
from flashsale.orders.domain.events import OrderEventKind
from flashsale.platform.sql.database import SqlDatabase

_e = order_events.c
_HEAD = select(func.max(_e.seq))
_NEWEST = (
    select(_e.seq, _e.kind)
    .where(_e.seq > bindparam("after"))
    .order_by(_e.seq)
    .limit(bindparam("limit"))
    .subquery()
)
_PURCHASES_AFTER = select(
    func.max(_NEWEST.c.seq),
    func.count().filter(_NEWEST.c.kind == OrderEventKind.RESERVED.value),
)


class SqlPurchasesInFeed(SqlDatabase):
    async def feed_head(self) -> int:
        async with self._engine.connect() as conn:
            head = (await conn.execute(_HEAD)).scalar()
        return int(head or 0)

    async def purchases_after(self, seq: int, limit: int) -> FeedGrowth:
        async with self._engine.connect() as conn:
            found = await conn.execute(_PURCHASES_AFTER, {"after": seq, "limit": limit})
            head, purchases = found.one()
        return FeedGrowth(seq if head is None else int(head), int(purchases))
