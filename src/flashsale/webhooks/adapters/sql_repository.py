"""``WebhookRepository`` on SQLAlchemy Core: subscriptions and the fan-out here, deliveries in
``sql_deliveries.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from flashsale.orders.domain.events import EventCursor
from flashsale.platform.sql.database import conflict
from flashsale.webhooks.adapters import sql_rows as rows
from flashsale.webhooks.adapters.sql_deliveries import SqlWebhookDeliveries
from flashsale.webhooks.adapters.sql_tables import (
    webhook_cursors,
    webhook_deliveries,
    webhook_subscriptions,
)
from flashsale.webhooks.domain.delivery import Delivery
from flashsale.webhooks.domain.subscription import (
    Subscription,
    SubscriptionChange,
    stored_events,
)

FAN_OUT = "fan-out"  # the cursor's row
# Deliveries per INSERT: 16 columns each stays below every engine's bound-parameter limit.
ROWS_PER_STATEMENT = 1000

_s = webhook_subscriptions.c
_c = webhook_cursors.c


class SqlWebhookRepository(SqlWebhookDeliveries):
    async def add_webhook(self, subscription: Subscription) -> None:
        statement = webhook_subscriptions.insert().values(rows.subscription_row(subscription))
        with conflict("a webhook with this id exists already"):
            await self._write(lambda conn: conn.execute(statement))

    async def webhook(self, webhook_id: str) -> Subscription | None:
        query = select(webhook_subscriptions).where(_s.id == webhook_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else rows.subscription_of(row)

    async def webhooks(self) -> list[Subscription]:
        query = select(webhook_subscriptions).order_by(_s.created_at, _s.id)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.subscription_of(row) for row in found]

    async def change_webhook(
        self, webhook_id: str, change: SubscriptionChange, reason: str | None, at: datetime
    ) -> Subscription | None:
        values: dict[str, Any] = {"updated_at": at}
        if change.url is not None:
            values["url"] = change.url
        if change.events is not None:
            values["events"] = stored_events(change.events)
        if change.active is not None:
            values["active"] = change.active
            values["disabled_reason"] = reason
        statement = (
            update(webhook_subscriptions)
            .where(_s.id == webhook_id)
            .values(values)
            .returning(*webhook_subscriptions.c)
        )

        def work(conn: Connection) -> Subscription | None:
            row = conn.execute(statement).mappings().one_or_none()
            return None if row is None else rows.subscription_of(row)

        return await self._write(work)

    async def delete_webhook(self, webhook_id: str) -> bool:
        def work(conn: Connection) -> bool:
            conn.execute(
                delete(webhook_deliveries).where(webhook_deliveries.c.subscription_id == webhook_id)
            )
            gone = conn.execute(delete(webhook_subscriptions).where(_s.id == webhook_id))
            return bool(gone.rowcount == 1)

        return await self._write(work)

    async def disable_webhooks(self, webhook_ids: Sequence[str], reason: str, at: datetime) -> None:
        if not webhook_ids:
            return
        statement = (
            update(webhook_subscriptions)
            .where(_s.id.in_(list(webhook_ids)), _s.active.is_(True))
            .values(active=False, disabled_reason=reason, updated_at=at)
        )
        await self._write(lambda conn: conn.execute(statement))

    async def webhook_cursor(self) -> EventCursor:
        query = select(_c.xid, _c.seq).where(_c.name == FAN_OUT)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        return EventCursor() if row is None else EventCursor(row.xid, row.seq)

    async def fan_out_webhook_deliveries(
        self, deliveries: Sequence[Delivery], after: EventCursor, to: EventCursor
    ) -> bool:
        params = [rows.delivery_row(delivery) for delivery in deliveries]
        move = (
            update(webhook_cursors)
            .where(_c.name == FAN_OUT, _c.xid == after.xid, _c.seq == after.seq)
            .values(xid=to.xid, seq=to.seq)
        )
        first = (
            self._insert(webhook_cursors)
            .values(name=FAN_OUT, xid=to.xid, seq=to.seq)
            .on_conflict_do_nothing(index_elements=[_c.name])
        )

        def work(conn: Connection) -> bool:
            # The cursor first: on PostgreSQL a second dispatcher waits here on the row, then
            # finds it moved, before it has written anything.
            if conn.execute(move).rowcount != 1 and (
                after != EventCursor() or conn.execute(first).rowcount != 1
            ):
                return False
            for start in range(0, len(params), ROWS_PER_STATEMENT):
                conn.execute(
                    webhook_deliveries.insert(), params[start : start + ROWS_PER_STATEMENT]
                )
            return True

        with conflict("a delivery of this event to this webhook exists already"):
            return await self._write(work)
