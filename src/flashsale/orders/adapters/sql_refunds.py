"""``RefundRepository`` on SQLAlchemy Core.

Every write that could let two refunds of one order both fit takes the order's row first (FOR
UPDATE on PostgreSQL; SQLite's one writer serialises them anyway), then reads its payment and
refunds: the check and the insert see the same refunds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select, update

from flashsale.kernel.errors import NotFound
from flashsale.kernel.money import Money
from flashsale.orders.adapters import sql_rows as rows
from flashsale.orders.adapters.sql_events import SqlOrderEventFeed
from flashsale.orders.adapters.sql_tables import orders, payments, refunds, sale_stock
from flashsale.orders.domain.events import OrderEventKind, refunded_data
from flashsale.orders.domain.order import Order, OrderStatus, PaymentStatus, taken
from flashsale.orders.domain.refunds import Refund, RefundStatus, check_fits, refundable
from flashsale.orders.errors import OrderNotPaid
from flashsale.platform.sql.database import conflict


class SqlRefundRepository(SqlOrderEventFeed):
    async def add_refund(self, refund: Refund) -> Refund:
        def add(conn: Connection) -> Refund:
            # The key is looked up under the lock: a concurrent retry waits, then finds it.
            if self._lock_order(conn, refund.order_id) is None:
                raise NotFound(f"no order {refund.order_id}")
            known = self._by_key(conn, refund.order_id, refund.idempotency_key)
            if known is not None:
                return known
            paid = self._payment_amount(conn, refund.order_id)
            if paid is None:
                raise OrderNotPaid(f"order {refund.order_id} has no payment to refund")
            check_fits(refund.amount, paid, self._refunds_of(conn, refund.order_id))
            conn.execute(refunds.insert(), _row(refund))
            return refund

        with conflict("a refund with this id exists already"):
            return await self._write(add)

    async def refund(self, refund_id: str) -> Refund | None:
        async with self._engine.connect() as conn:
            query = select(refunds).where(refunds.c.id == refund_id)
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _refund_of(row)

    async def refunds_of(self, order_id: str) -> list[Refund]:
        async with self._engine.connect() as conn:
            return await conn.run_sync(lambda sync: self._refunds_of(sync, order_id))

    async def approve_refund(self, refund_id: str, approver: str, at: datetime) -> Refund | None:
        move = (
            update(refunds)
            .where(
                refunds.c.id == refund_id,
                refunds.c.status == RefundStatus.AWAITING_APPROVAL.value,
            )
            .values(status=RefundStatus.PENDING.value, approved_by=approver)
            .returning(*refunds.c)
        )

        def approve(conn: Connection) -> Refund | None:
            row = conn.execute(move).mappings().one_or_none()
            return None if row is None else _refund_of(row)

        return await self._write(approve)

    async def settle_refund(
        self, refund_id: str, succeeded: bool, at: datetime, gateway_reference: str | None
    ) -> Refund | None:
        status = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
        move = (
            update(refunds)
            .where(refunds.c.id == refund_id, refunds.c.status == RefundStatus.PENDING.value)
            .values(status=status.value, decided_at=at, gateway_reference=gateway_reference)
            .returning(*refunds.c)
        )

        def settle(conn: Connection) -> Refund | None:
            row = conn.execute(move).mappings().one_or_none()
            if row is None:
                return None
            settled = _refund_of(row)
            if succeeded:
                event = {
                    "order_id": settled.order_id,
                    "kind": OrderEventKind.REFUNDED.value,
                    "at": at,
                    "actor": settled.requested_by,
                    "data": refunded_data(settled),
                }
                self._append_events(conn, [event])
            return settled

        return await self._write(settle)

    async def cancel_paid_order(
        self, order_id: str, at: datetime, actor: str, refund: Refund
    ) -> tuple[Order, Refund | None] | None:
        move = (
            update(orders)
            .where(orders.c.id == order_id, orders.c.status == OrderStatus.PAID.value)
            .values(status=OrderStatus.CANCELLED.value, closed_at=at)
            .returning(*orders.c)
        )
        release = (
            update(sale_stock)
            .where(sale_stock.c.sale_id == bindparam("sale"))
            .values(units_held=sale_stock.c.units_held - bindparam("units"))
        )

        uncollected = (
            update(payments)
            .where(
                payments.c.order_id == bindparam("order"),
                payments.c.status == PaymentStatus.DUE.value,
            )
            .values(status=PaymentStatus.UNCOLLECTED.value)
        )

        def cancel(conn: Connection) -> tuple[Order, Refund | None] | None:
            row = conn.execute(move).mappings().one_or_none()
            if row is None:
                return None
            cancelled = rows.order_of(row)
            conn.execute(release, {"sale": cancelled.sale_id, "units": cancelled.quantity})
            event = {
                "order_id": order_id,
                "kind": OrderEventKind.CANCELLED.value,
                "at": at,
                "actor": actor,
                "data": None,
            }
            self._append_events(conn, [event])
            # Cash on delivery never delivered: not to be collected, nor refunded.
            conn.execute(uncollected, {"order": order_id})
            paid = self._payment_amount(conn, order_id)
            assert paid is not None, "a paid order has its payment"
            left = refundable(paid, self._refunds_of(conn, order_id))
            if left.amount <= 0:
                return cancelled, None
            stored = replace(refund, amount=left)
            conn.execute(refunds.insert(), _row(stored))
            return cancelled, stored

        return await self._write(cancel)

    # -- inside a transaction ------------------------------------------------------------

    def _lock_order(self, conn: Connection, order_id: str) -> str | None:
        query = select(orders.c.id).where(orders.c.id == order_id)
        if self._dialect == "postgresql":
            query = query.with_for_update()
        found: str | None = conn.execute(query).scalar_one_or_none()
        return found

    @staticmethod
    def _payment_amount(conn: Connection, order_id: str) -> Money | None:
        """What the shop holds of the order's payment (nothing of cash not collected)."""
        query = select(payments.c.amount, payments.c.currency, payments.c.status).where(
            payments.c.order_id == order_id
        )
        row = conn.execute(query).one_or_none()
        if row is None:
            return None
        return taken(Money(row.amount, row.currency), PaymentStatus(row.status))

    @staticmethod
    def _refunds_of(conn: Connection, order_id: str) -> list[Refund]:
        query = (
            select(refunds)
            .where(refunds.c.order_id == order_id)
            .order_by(refunds.c.created_at, refunds.c.id)
        )
        return [_refund_of(row) for row in conn.execute(query).mappings()]

    @staticmethod
    def _by_key(conn: Connection, order_id: str, key: str) -> Refund | None:
        query = select(refunds).where(
            refunds.c.order_id == order_id, refunds.c.idempotency_key == key
        )
        row = conn.execute(query).mappings().one_or_none()
        return None if row is None else _refund_of(row)


def _row(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "order_id": refund.order_id,
        "amount": refund.amount.amount,
        "currency": refund.amount.currency,
        "reason": refund.reason,
        "status": refund.status.value,
        "requested_by": refund.requested_by,
        "idempotency_key": refund.idempotency_key,
        "created_at": refund.created_at,
        "approved_by": refund.approved_by,
        "gateway_reference": refund.gateway_reference,
        "decided_at": refund.decided_at,
    }


def _refund_of(row: RowMapping) -> Refund:
    return Refund(
        id=row["id"],
        order_id=row["order_id"],
        amount=Money(row["amount"], row["currency"]),
        reason=row["reason"],
        status=RefundStatus(row["status"]),
        requested_by=row["requested_by"],
        idempotency_key=row["idempotency_key"],
        created_at=row["created_at"],
        approved_by=row["approved_by"],
        gateway_reference=row["gateway_reference"],
        decided_at=row["decided_at"],
    )


__all__: Sequence[str] = ["SqlRefundRepository"]
