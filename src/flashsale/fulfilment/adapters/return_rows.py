"""Rows of ``returns`` as the domain's values, and back; the event each move appends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.fulfilment.domain.returns import Return, ReturnStatus
from flashsale.orders.domain.events import OrderEventKind

EVENT_OF = {
    ReturnStatus.REQUESTED: OrderEventKind.RETURN_REQUESTED,
    ReturnStatus.APPROVED: OrderEventKind.RETURN_APPROVED,
    ReturnStatus.DECLINED: OrderEventKind.RETURN_DECLINED,
    ReturnStatus.RECEIVED: OrderEventKind.RETURN_RECEIVED,
    ReturnStatus.REFUNDED: OrderEventKind.RETURN_REFUNDED,
    ReturnStatus.CLOSED: OrderEventKind.RETURN_CLOSED,
    ReturnStatus.CANCELLED: OrderEventKind.RETURN_CANCELLED,
}


def event_data(ret: Return) -> dict[str, Any]:
    data: dict[str, Any] = {"return_id": ret.id, "sku": ret.sku, "quantity": ret.quantity}
    if ret.status is ReturnStatus.REQUESTED:
        data["reason"] = ret.reason
    if ret.location is not None:
        data["location"] = ret.location
        data["resellable"] = ret.resellable
    if ret.refund_id is not None:
        data["refund_id"] = ret.refund_id
    return data


def return_row(ret: Return) -> dict[str, Any]:
    return {
        "id": ret.id,
        "order_id": ret.order_id,
        "customer_id": ret.customer_id,
        "market_code": ret.market_code,
        "sku": ret.sku,
        "quantity": ret.quantity,
        "reason": ret.reason,
        "status": ret.status.value,
        "requested_at": ret.requested_at,
        "updated_at": ret.updated_at,
        "location": ret.location,
        "resellable": ret.resellable,
        "refund_id": ret.refund_id,
    }


def return_of(row: RowMapping) -> Return:
    return Return(
        id=row["id"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        market_code=row["market_code"],
        sku=row["sku"],
        quantity=row["quantity"],
        reason=row["reason"],
        status=ReturnStatus(row["status"]),
        requested_at=row["requested_at"],
        updated_at=row["updated_at"],
        location=row["location"],
        resellable=row["resellable"],
        refund_id=row["refund_id"],
    )
