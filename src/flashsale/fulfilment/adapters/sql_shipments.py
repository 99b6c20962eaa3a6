"""``ShipmentRepository`` on SQLAlchemy Core: a shipment, its fulfilment order's move, its
stock move and its event in one transaction; a guard short of its count rolls it all back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from flashsale.fulfilment.adapters import sql_rows as rows
from flashsale.fulfilment.adapters.sql_tables import fulfilment_orders
from flashsale.fulfilment.adapters.sql_wave_tables import shipments
from flashsale.fulfilment.domain.order import ORDER_SOURCES, FulfilmentOrder, FulfilmentStatus
from flashsale.fulfilment.domain.shipments import Shipment
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.inventory.adapters.sql_tables import stock_levels, stock_moves
from flashsale.inventory.domain.stock import MoveKind
from flashsale.inventory.errors import InsufficientOnHand
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.events import OrderEventKind
from flashsale.platform.sql.database import IDS_PER_STATEMENT, SqlDatabase

f = fulfilment_orders.c
s = shipments.c
lv = stock_levels.c


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + IDS_PER_STATEMENT] for i in range(0, len(ids), IDS_PER_STATEMENT)]


def _shipment_of(row: RowMapping) -> Shipment:
    return Shipment(
        fulfilment_order_id=row["fulfilment_order_id"],
        order_id=row["order_id"],
        location=row["location"],
        sku=row["sku"],
        quantity=row["quantity"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        shipped_at=row["shipped_at"],
        due_at=row["due_at"],
        delivered_at=row["delivered_at"],
    )


def _shipment_row(shipment: Shipment) -> dict[str, Any]:
    return {
        "fulfilment_order_id": shipment.fulfilment_order_id,
        "order_id": shipment.order_id,
        "location": shipment.location,
        "sku": shipment.sku,
        "quantity": shipment.quantity,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "shipped_at": shipment.shipped_at,
        "due_at": shipment.due_at,
        "delivered_at": shipment.delivered_at,
    }


class SqlShipmentRepository(SqlDatabase):
    # The order event feed's (``SqlOrderEventFeed``), in the composed store.
    _append_events: Callable[[Connection, list[dict[str, Any]]], None]

    async def ship(
        self,
        shipments_: Sequence[Shipment],
        expected: frozenset[FulfilmentStatus],
        reference: str,
        actor: str,
    ) -> list[FulfilmentOrder]:
        wanted = [x.fulfilment_order_id for x in shipments_]
        allowed = [status.value for status in expected]

        if not shipments_:
            return []
        at = shipments_[0].shipped_at

        def work(conn: Connection) -> list[FulfilmentOrder]:
            moved: dict[str, FulfilmentOrder] = {}
            for chunk in _chunks(wanted):
                for row in conn.execute(
                    update(fulfilment_orders)
                    .where(f.id.in_(chunk), f.status.in_(allowed))
                    .values(status=FulfilmentStatus.SHIPPED.value, updated_at=at)
                    .returning(*fulfilment_orders.c)
                ).mappings():
                    moved[row["id"]] = rows.fulfilment_of(row)
            if len(moved) != len(wanted):
                _refuse(conn, [i for i in wanted if i not in moved], allowed)
            units: dict[tuple[str, str], int] = defaultdict(int)
            for shipment in shipments_:
                units[shipment.location, shipment.sku] += shipment.quantity
            for (location, sku), quantity in sorted(units.items()):
                done = conn.execute(
                    update(stock_levels)
                    .where(
                        lv.location == location,
                        lv.sku == sku,
                        lv.allocated >= quantity,
                        lv.on_hand >= quantity,
                    )
                    .values(on_hand=lv.on_hand - quantity, allocated=lv.allocated - quantity)
                ).rowcount
                if done != 1:
                    raise InsufficientOnHand(
                        f"{sku} at {location}: fewer than {quantity} allocated"
                    )
            conn.execute(
                insert(stock_moves),
                [
                    {
                        "location": location,
                        "sku": sku,
                        "kind": MoveKind.SHIP.value,
                        "on_hand_change": -quantity,
                        "allocated_change": -quantity,
                        "reference": reference,
                        "actor": actor,
                        "at": at,
                    }
                    for (location, sku), quantity in sorted(units.items())
                ],
            )
            conn.execute(insert(shipments), [_shipment_row(x) for x in shipments_])
            self._append_events(
                conn,
                [
                    {
                        "order_id": x.order_id,
                        "kind": OrderEventKind.SHIPPED.value,
                        "at": x.shipped_at,
                        "actor": actor,
                        "data": x.event_data(),
                    }
                    for x in shipments_
                    if moved[x.fulfilment_order_id].source_kind in ORDER_SOURCES
                ],
            )
            return [moved[i] for i in wanted]

        return await self._write(work)

    async def deliver(
        self, fulfilment_order_ids: Sequence[str], at: datetime, actor: str
    ) -> list[Shipment]:
        ids = list(dict.fromkeys(fulfilment_order_ids))

        def work(conn: Connection) -> list[Shipment]:
            delivered: list[Shipment] = []
            ours: set[str] = set()  # of orders of ours (not a partner's line)
            sources = [kind.value for kind in ORDER_SOURCES]
            for chunk in _chunks(ids):
                kinds: dict[str, str] = dict(
                    conn.execute(
                        update(fulfilment_orders)
                        .where(f.id.in_(chunk), f.status == FulfilmentStatus.SHIPPED.value)
                        .values(status=FulfilmentStatus.DELIVERED.value, updated_at=at)
                        .returning(f.id, f.source_kind)
                    ).all()
                )
                moved = list(kinds)
                ours.update(i for i, kind in kinds.items() if kind in sources)
                if not moved:
                    continue
                delivered.extend(
                    _shipment_of(row)
                    for row in conn.execute(
                        update(shipments)
                        .where(s.fulfilment_order_id.in_(moved))
                        .values(delivered_at=at)
                        .returning(*shipments.c)
                    ).mappings()
                )
            self._append_events(
                conn,
                [
                    {
                        "order_id": x.order_id,
                        "kind": OrderEventKind.DELIVERED.value,
                        "at": at,
                        "actor": actor,
                        "data": {"fulfilment_order_id": x.fulfilment_order_id},
                    }
                    for x in delivered
                    if x.fulfilment_order_id in ours
                ],
            )
            return delivered

        return await self._write(work)

    async def shipments_of(self, order_ids: Sequence[str]) -> list[Shipment]:
        found: list[Shipment] = []
        async with self._engine.connect() as conn:
            for chunk in _chunks(list(dict.fromkeys(order_ids))):
                query = select(shipments).where(s.order_id.in_(chunk))
                found.extend(_shipment_of(r) for r in (await conn.execute(query)).mappings())
        return sorted(found, key=lambda x: (x.order_id, x.shipped_at, x.fulfilment_order_id))

    async def shipments_due(self, at: datetime, limit: int) -> list[Shipment]:
        query = (
            select(shipments)
            .where(s.delivered_at.is_(None), s.due_at <= at)
            .order_by(s.due_at, s.fulfilment_order_id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [_shipment_of(r) for r in (await conn.execute(query)).mappings()]


def _refuse(conn: Connection, missed: list[str], allowed: list[str]) -> None:
    """Raise for the first fulfilment order the move missed: unknown, or not where it must
    be (the transaction rolls back)."""
    first = missed[0]
    status = conn.execute(select(f.status).where(f.id == first)).scalar_one_or_none()
    if status is None:
        raise NotFound(f"no fulfilment order {first[:64]}")
    more = f" (and {len(missed) - 1} more)" if len(missed) > 1 else ""
    raise InvalidTransition(
        f"fulfilment order {first} is {status}: it cannot be shipped (it must be"
        f" {' or '.join(sorted(allowed))}){more}"
    )
