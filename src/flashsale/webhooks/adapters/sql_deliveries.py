"""The deliveries half of ``WebhookRepository`` on SQLAlchemy Core: claims and outcomes, in
batches, and the operator's listing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, select, tuple_, update

from flashsale.platform.sql.columns import UtcDateTime
from flashsale.platform.sql.database import SqlDatabase
from flashsale.webhooks.adapters import sql_rows as rows
from flashsale.webhooks.adapters.sql_tables import webhook_deliveries, webhook_subscriptions
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus

_PENDING = DeliveryStatus.PENDING.value
_d = webhook_deliveries.c


class SqlWebhookDeliveries(SqlDatabase):
    async def claim_webhook_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[Delivery]:
        earlier = webhook_deliveries.alias("earlier")
        held_back = exists().where(
            earlier.c.subscription_id == _d.subscription_id,
            earlier.c.order_id == _d.order_id,
            earlier.c.status == _PENDING,
            tuple_(earlier.c.event_xid, earlier.c.event_seq) < tuple_(_d.event_xid, _d.event_seq),
        )
        subscriptions = webhook_subscriptions.c
        due = (
            select(_d.id)
            .join(webhook_subscriptions, subscriptions.id == _d.subscription_id)
            .where(
                _d.status == _PENDING,
                _d.next_attempt_at <= now,
                subscriptions.active.is_(True),
                ~held_back,
            )
            .order_by(_d.next_attempt_at, _d.event_xid, _d.event_seq)
            .limit(limit)
        )
        chosen = due.cte("due")
        if self._dialect == "postgresql":
            # Deliverers in other processes skip the rows this one is claiming instead of
            # queueing behind it (and then finding them leased). Materialized, the choice is
            # made once: as a plain IN (subquery) the planner may run it again per row and
            # claim more than ``limit`` (measured: 2 rows for a limit of 1).
            chosen = due.with_for_update(skip_locked=True, of=webhook_deliveries).cte("due")
            chosen = chosen.prefix_with("MATERIALIZED", dialect="postgresql")
        claim = (
            update(webhook_deliveries)
            # Checked again on the locked row: one another deliverer claimed in the meantime
            # has a lease in the future now.
            .where(_d.id.in_(select(chosen.c.id)), _d.status == _PENDING, _d.next_attempt_at <= now)
            .values(attempts=_d.attempts + 1, next_attempt_at=lease_until, last_attempt_at=now)
            .returning(*webhook_deliveries.c)
        )

        def work(conn: Connection) -> list[Delivery]:
            return [rows.delivery_of(row) for row in conn.execute(claim).mappings().all()]

        claimed = await self._write(work)
        return sorted(claimed, key=lambda d: (d.next_attempt_at, d.position))

    async def record_webhook_attempts(self, attempts: Sequence[Attempt]) -> None:
        if not attempts:
            return
        record = (
            update(webhook_deliveries)
            .where(
                _d.id == bindparam("delivery_id"),
                _d.status == _PENDING,
                _d.attempts == bindparam("attempt"),
            )
            .values(
                status=bindparam("new_status"),
                next_attempt_at=bindparam("retry_at", type_=UtcDateTime()),
                last_attempt_at=bindparam("at", type_=UtcDateTime()),
                delivered_at=bindparam("delivered_at", type_=UtcDateTime()),
                last_status=bindparam("response_status"),
                last_error=bindparam("error"),
            )
        )
        params: list[dict[str, Any]] = [
            {
                "delivery_id": a.delivery_id,
                "attempt": a.attempt,
                "new_status": a.status.value,
                "retry_at": a.retry_at,
                "at": a.at,
                "delivered_at": a.at if a.status is DeliveryStatus.DELIVERED else None,
                "response_status": a.response_status,
                "error": a.error,
            }
            for a in attempts
        ]
        await self._write(lambda conn: conn.execute(record, params))

    async def webhook_deliveries(
        self,
        webhook_id: str,
        limit: int,
        before: str | None = None,
        status: DeliveryStatus | None = None,
    ) -> list[Delivery]:
        query = (
            select(webhook_deliveries)
            .where(_d.subscription_id == webhook_id)
            .order_by(_d.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(_d.id < before)
        if status is not None:
            query = query.where(_d.status == status.value)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [rows.delivery_of(row) for row in found]

    async def webhook_delivery(self, delivery_id: str) -> Delivery | None:
        query = select(webhook_deliveries).where(_d.id == delivery_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else rows.delivery_of(row)

    async def retry_webhook_delivery(self, delivery_id: str, now: datetime) -> bool:
        statement = (
            update(webhook_deliveries)
            .where(_d.id == delivery_id, _d.status != _PENDING)
            .values(status=_PENDING, attempts=0, next_attempt_at=now)
        )
        return bool(await self._write(lambda conn: conn.execute(statement).rowcount == 1))
