"""What webhooks need from the outside world: their rows in the record, a way to resolve a
host name, and a way to POST."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus
from flashsale.webhooks.domain.subscription import Subscription, SubscriptionChange


class WebhookRepository(Protocol):
    """Subscriptions and their deliveries in the record. Raises ``Conflict`` on a duplicate
    id, returns None (or False) when absent."""

    async def add_webhook(self, subscription: Subscription) -> None: ...

    async def webhook(self, webhook_id: str) -> Subscription | None: ...

    async def webhooks(self) -> list[Subscription]:
        """Every subscription, disabled ones too, oldest first."""
        ...

    async def change_webhook(
        self, webhook_id: str, change: SubscriptionChange, reason: str | None, at: datetime
    ) -> Subscription | None:
        """Apply the fields ``change`` sets, in one statement (so a 410 disabling it meanwhile
        is not overwritten by a change of its URL); ``reason`` is stored with ``active``
        (None when enabled). The subscription as changed, or None when there is none."""
        ...

    async def delete_webhook(self, webhook_id: str) -> bool:
        """The subscription and every delivery of it, in one transaction."""
        ...

    async def disable_webhooks(self, webhook_ids: Sequence[str], reason: str, at: datetime) -> None:
        """Active ones become inactive with ``reason``; their pending deliveries wait."""
        ...

    async def webhook_cursor(self) -> EventCursor:
        """Where the fan-out has read the order event feed to (its beginning at first)."""
        ...

    async def fan_out_webhook_deliveries(
        self, deliveries: Sequence[Delivery], after: EventCursor, to: EventCursor
    ) -> bool:
        """Store the deliveries of the events after ``after`` up to ``to`` and move the cursor
        there, in one transaction, only if the cursor is still at ``after``: False (and nothing
        stored) when another dispatcher moved it first. So each event is fanned out once."""
        ...

    async def claim_webhook_deliveries(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[Delivery]:
        """Up to ``limit`` pending deliveries due at ``now``, of active subscriptions, each the
        earliest pending one of its (subscription, order) (domain/ordering.py), each with one
        more attempt counted and ``next_attempt_at`` moved to ``lease_until``, in one
        transaction: no other claim takes them before then. Returned as claimed."""
        ...

    async def record_webhook_attempts(self, attempts: Sequence[Attempt]) -> None:
        """Record each outcome, in one transaction; one whose delivery is no longer pending
        or was claimed again since (another attempt count) is left out."""
        ...

    async def webhook_deliveries(
        self,
        webhook_id: str,
        limit: int,
        before: str | None = None,
        status: DeliveryStatus | None = None,
    ) -> list[Delivery]:
        """A subscription's deliveries, newest first (ids are time-ordered); ``before`` an id
        to page on from."""
        ...

    async def webhook_delivery(self, delivery_id: str) -> Delivery | None: ...

    async def retry_webhook_delivery(self, delivery_id: str, now: datetime) -> bool:
        """A delivered or failed delivery pending again, due now, its schedule restarted;
        False when it is pending already or absent."""
        ...


class HostResolver(Protocol):
    async def addresses(self, host: str) -> list[str]:
        """Every address ``host`` resolves to; empty when it resolves to none."""
        ...


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    """The receiver's status, or why there was none (``status`` None)."""

    status: int | None
    detail: str | None = None


class WebhookSender(Protocol):
    async def send(self, requests: Sequence[WebhookRequest]) -> list[WebhookResponse]:
        """POST every request, at once as far as the sender's connections allow; one answer
        each, in order. Never raises for a receiver's failure."""
        ...

    async def close(self) -> None: ...
