"""``WebhookRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.kernel.errors import Conflict
from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus
from flashsale.webhooks.domain.ordering import chain_heads
from flashsale.webhooks.domain.subscription import Subscription, SubscriptionChange

_PENDING = DeliveryStatus.PENDING


class MemoryWebhookRepository:
    def __init__(self) -> None:
        super().__init__()
        self._webhooks: dict[str, Subscription] = {}
        self._deliveries: dict[str, Delivery] = {}
        self._delivery_keys: set[tuple[str, str]] = set()
        self._webhook_cursor = EventCursor()

    async def add_webhook(self, subscription: Subscription) -> None:
        if subscription.id in self._webhooks:
            raise Conflict("a webhook with this id exists already")
        self._webhooks[subscription.id] = subscription

    async def webhook(self, webhook_id: str) -> Subscription | None:
        return self._webhooks.get(webhook_id)

    async def webhooks(self) -> list[Subscription]:
        return sorted(self._webhooks.values(), key=lambda s: (s.created_at, s.id))

    async def change_webhook(
        self, webhook_id: str, change: SubscriptionChange, reason: str | None, at: datetime
    ) -> Subscription | None:
        found = self._webhooks.get(webhook_id)
        if found is None:
            return None
        changed = replace(
            found,
            url=found.url if change.url is None else change.url,
            events=found.events if change.events is None else change.events,
            updated_at=at,
        )
        if change.active is not None:
            changed = replace(changed, active=change.active, disabled_reason=reason)
        self._webhooks[webhook_id] = changed
        return changed

    async def delete_webhook(self, webhook_id: str) -> bool:
        if self._webhooks.pop(webhook_id, None) is None:
            return False
        for delivery in [d for d in self._deliveries.values() if d.subscription_id == webhook_id]:
            del self._deliveries[delivery.id]
            self._delivery_keys.discard((webhook_id, delivery.event_id))
        return True

    async def disable_webhooks(self, webhook_ids: Sequence[str], reason: str, at: datetime) -> None:
        for webhook_id in webhook_ids:
            found = self._webhooks.get(webhook_id)
            if found is not None and found.active:
                self._webhooks[webhook_id] = replace(
                    found, active=False, disabled_reason=reason, updated_at=at
                )

    async def webhook_cursor(self) -> EventCursor:
        return self._webhook_cursor

    async def fan_out_webhook_deliveries(
        self, deliveries: Sequence[Delivery], after: EventCursor, to: EventCursor
    ) -> bool:
        if self._webhook_cursor != after:
            return False
        keys = [(d.subscription_id, d.event_id) for d in deliveries]
        ids = {d.id for d in deliveries}
        if (
            len(set(keys)) != len(keys)
            or len(ids) != len(deliveries)
            or any(key in self._delivery_keys for key in keys)
            or any(i in self._deliveries for i in ids)
        ):
            raise Conflict("a delivery of this event to this webhook exists already")
        if any(d.subscription_id not in self._webhooks for d in deliveries):
            raise Conflict("a delivery names a webhook that does not exist")
        for delivery in deliveries:
            self._deliveries[delivery.id] = delivery
        self._delivery_keys.update(keys)
        self._webhook_cursor = to
        return True

    async def claim_webhook_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[Delivery]:
        heads = chain_heads(self._deliveries.values())
        due = sorted(
            (
                d
                for d in self._deliveries.values()
                if d.id in heads
                and d.next_attempt_at is not None
                and d.next_attempt_at <= now
                and self._webhooks[d.subscription_id].active
            ),
            key=lambda d: (d.next_attempt_at, d.position),
        )[:limit]
        claimed = [
            replace(d, attempts=d.attempts + 1, next_attempt_at=lease_until, last_attempt_at=now)
            for d in due
        ]
        for delivery in claimed:
            self._deliveries[delivery.id] = delivery
        return claimed

    async def record_webhook_attempts(self, attempts: Sequence[Attempt]) -> None:
        for attempt in attempts:
            found = self._deliveries.get(attempt.delivery_id)
            if found is None or found.status is not _PENDING or found.attempts != attempt.attempt:
                continue
            delivered = attempt.status is DeliveryStatus.DELIVERED
            self._deliveries[found.id] = replace(
                found,
                status=attempt.status,
                next_attempt_at=attempt.retry_at,
                last_attempt_at=attempt.at,
                delivered_at=attempt.at if delivered else found.delivered_at,
                last_status=attempt.response_status,
                last_error=attempt.error,
            )

    async def webhook_deliveries(
        self,
        webhook_id: str,
        limit: int,
        before: str | None = None,
        status: DeliveryStatus | None = None,
    ) -> list[Delivery]:
        found = sorted(
            (
                d
                for d in self._deliveries.values()
                if d.subscription_id == webhook_id
                and (before is None or d.id < before)
                and (status is None or d.status is status)
            ),
            key=lambda d: d.id,
            reverse=True,
        )
        return found[:limit]

    async def webhook_delivery(self, delivery_id: str) -> Delivery | None:
        return self._deliveries.get(delivery_id)

    async def retry_webhook_delivery(self, delivery_id: str, now: datetime) -> bool:
        found = self._deliveries.get(delivery_id)
        if found is None or found.status is _PENDING:
            return False
        self._deliveries[delivery_id] = replace(
            found, status=_PENDING, attempts=0, next_attempt_at=now
        )
        return True
