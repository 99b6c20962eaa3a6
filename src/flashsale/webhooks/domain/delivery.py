"""A delivery: one event for one subscription, from fan-out until the receiver took it
(``delivered``) or the shop gave up (``failed``, the dead letters an operator may retry).

Its body is made once, at fan-out, and sent byte for byte on every attempt; its ``event_id``
is the event's, so the receiver sees the same ``webhook-id`` however often it is sent and can
drop a repeat. A deliverer claims a pending delivery by counting the attempt and moving
``next_attempt_at`` past a lease: no other claims it before then, and one that dies holding it
lets the next claim it again once the lease runs out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from flashsale.orders.domain.events import EventCursor, OrderEvent


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt, its next, or a deliverer's lease
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # out of attempts, or the receiver is gone (410): dead-lettered


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    subscription_id: str
    event_id: str  # the webhook-id: the same on every attempt
    position: EventCursor  # the event's place in the feed: an order's events go in this order
    order_id: str
    kind: str
    body: bytes
    status: DeliveryStatus
    created_at: datetime
    attempts: int = 0  # counted when claimed, so a deliverer that died still counts
    next_attempt_at: datetime | None = None  # set while pending
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_status: int | None = None  # the receiver's last HTTP status, if it answered
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """An attempt's outcome to record against the claim it was made under (``attempt``: the
    delivery's count when claimed): an outcome from a lease that ran out, after another
    deliverer claimed the delivery again, is not recorded."""

    delivery_id: str
    attempt: int
    at: datetime
    status: DeliveryStatus  # delivered, pending again (retry_at), or failed
    retry_at: datetime | None = None
    response_status: int | None = None
    error: str | None = None


def body_of(event: OrderEvent) -> bytes:
    """The Standard Webhooks payload: type, timestamp, and the event as the feed shows it."""
    return orjson.dumps(
        {
            "type": event.kind.value,
            "timestamp": _iso(event.at),
            "data": event.payload(),
        }
    )


def delivery_of(
    delivery_id: str, subscription_id: str, event: OrderEvent, body: bytes, now: datetime
) -> Delivery:
    return Delivery(
        id=delivery_id,
        subscription_id=subscription_id,
        event_id=event.id,
        position=event.cursor,
        order_id=event.order_id,
        kind=event.kind.value,
        body=body,
        status=DeliveryStatus.PENDING,
        created_at=now,
        next_attempt_at=now,
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
