"""The doors' counts in SQL (channels/domain/door_counting.py): three grouped reads, of the
ledger's ship and return moves and of the fulfilment orders that have left."""

from __future__ import annotations

from sqlalchemy import Connection, case, func, select

from flashsale.channels.domain import door_counting as doors
from flashsale.fulfilment.adapters.sql_tables import fulfilment_orders
from flashsale.fulfilment.domain.order import SourceKind
from flashsale.inventory.adapters.sql_tables import locations, stock_moves
from flashsale.inventory.domain.doors import Door, DoorCount
from flashsale.inventory.domain.location import LocationKind
from flashsale.inventory.domain.stock import MoveKind


def door_counts(conn: Connection, sku: str | None) -> list[DoorCount]:
    m, f, loc = stock_moves.c, fulfilment_orders.c, locations.c
    tills = select(m.sku, func.sum(m.on_hand_change)).where(
        m.kind == MoveKind.SHIP.value, m.reference.like(f"{doors.POS_SALE}%")
    )
    door = case(
        *((m.reference.like(f"{prefix}%"), d.value) for prefix, d in doors.RETURN_DOORS),
        else_=Door.UNKNOWN.value,
    )
    returns = select(m.sku, door, func.sum(m.on_hand_change)).where(
        m.kind == MoveKind.RETURN_RECEIPT.value
    )
    fulfilled = (
        select(f.sku, f.source_kind, loc.kind, func.sum(f.quantity))
        .select_from(fulfilment_orders.outerjoin(locations, loc.code == f.location))
        .where(f.status.in_(doors.LEFT))
    )
    if sku is not None:
        tills, returns = tills.where(m.sku == sku), returns.where(m.sku == sku)
        fulfilled = fulfilled.where(f.sku == sku)
    till_rows = conn.execute(tills.group_by(m.sku)).all()
    return_rows = conn.execute(returns.group_by(m.sku, door)).all()
    fulfilled_rows = conn.execute(fulfilled.group_by(f.sku, f.source_kind, loc.kind)).all()
    return doors.door_counts(
        [(s, -int(units)) for s, units in till_rows],
        [(s, Door(d), int(units)) for s, d, units in return_rows],
        [
            (s, SourceKind(kind), LocationKind(where) if where else None, int(units))
            for s, kind, where, units in fulfilled_rows
        ],
    )
