"""Subscriptions and deliveries to table rows and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.delivery import Delivery, DeliveryStatus
from flashsale.webhooks.domain.subscription import Subscription, events_of, stored_events


def subscription_row(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "events": stored_events(subscription.events),
        "secret": subscription.secret,
        "active": subscription.active,
        "disabled_reason": subscription.disabled_reason,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def subscription_of(row: RowMapping) -> Subscription:
    return Subscription(
        id=row["id"],
        url=row["url"],
        events=events_of(row["events"]),
        secret=row["secret"],
        active=bool(row["active"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        disabled_reason=row["disabled_reason"],
    )


def delivery_row(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_xid": delivery.position.xid,
        "event_seq": delivery.position.seq,
        "order_id": delivery.order_id,
        "kind": delivery.kind,
        "body": delivery.body.decode(),
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "delivered_at": delivery.delivered_at,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
    }


def delivery_of(row: RowMapping) -> Delivery:
    return Delivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        event_id=row["event_id"],
        position=EventCursor(row["event_xid"], row["event_seq"]),
        order_id=row["order_id"],
        kind=row["kind"],
        body=row["body"].encode(),
        status=DeliveryStatus(row["status"]),
        created_at=row["created_at"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_attempt_at=row["last_attempt_at"],
        delivered_at=row["delivered_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
    )
