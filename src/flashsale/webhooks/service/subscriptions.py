"""The operator's side of webhooks: subscribe, change, remove, read the deliveries and retry
a dead one.

Every check (the URL and the addresses its host resolves to, the event names, the secret)
runs before anything is written, and each write is one statement or transaction: a refusal
leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import Conflict, InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.webhooks.domain.delivery import Delivery, DeliveryStatus
from flashsale.webhooks.domain.errors import WebhookUrlNotAllowed
from flashsale.webhooks.domain.secret import canonical, new_secret, secret_problem
from flashsale.webhooks.domain.subscription import (
    DISABLED_BY_OPERATOR,
    Subscription,
    SubscriptionChange,
    event_names,
)
from flashsale.webhooks.domain.url_policy import check_addresses, parse_url
from flashsale.webhooks.ports import HostResolver, WebhookRepository

MAX_LISTED = 1000
RESOLVE_SECONDS = 5.0


class Subscriptions:
    def __init__(
        self,
        repository: WebhookRepository,
        clock: Clock,
        resolver: HostResolver,
        *,
        development: bool,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._resolver = resolver
        self._development = development

    async def create(
        self, url: str, events: Sequence[str], secret: str | None = None
    ) -> Subscription:
        """A new active subscription; the answer is the only place its secret is shown."""
        names = event_names(events)
        if secret is not None:
            problem = secret_problem(secret)
            if problem is not None:
                raise InvalidInput(problem)
        checked = await self.checked_url(url)
        now = self._clock.now()
        subscription = Subscription(
            id=new_id("whk"),
            url=checked,
            events=names,
            secret=new_secret() if secret is None else canonical(secret),
            active=True,
            created_at=now,
            updated_at=now,
        )
        await self._repository.add_webhook(subscription)
        return subscription

    async def all(self) -> list[Subscription]:
        return await self._repository.webhooks()

    async def find(self, webhook_id: str) -> Subscription:
        found = await self._repository.webhook(webhook_id)
        if found is None:
            raise NotFound(f"no webhook {webhook_id[:80]!r}")
        return found

    async def change(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        active: bool | None = None,
    ) -> Subscription:
        """Change what is given; enabling one clears why it was disabled."""
        change = SubscriptionChange(
            url=None if url is None else await self.checked_url(url),
            events=None if events is None else event_names(events),
            active=active,
        )
        if change.empty:
            return await self.find(webhook_id)
        reason = DISABLED_BY_OPERATOR if active is False else None
        changed = await self._repository.change_webhook(
            webhook_id, change, reason, self._clock.now()
        )
        if changed is None:
            raise NotFound(f"no webhook {webhook_id[:80]!r}")
        return changed

    async def remove(self, webhook_id: str) -> None:
        """The subscription and its deliveries, pending ones too."""
        if not await self._repository.delete_webhook(webhook_id):
            raise NotFound(f"no webhook {webhook_id[:80]!r}")

    async def deliveries(
        self,
        webhook_id: str,
        status: DeliveryStatus | None = None,
        limit: int = 100,
        before: str | None = None,
    ) -> list[Delivery]:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit must be between 1 and {MAX_LISTED}")
        await self.find(webhook_id)
        return await self._repository.webhook_deliveries(webhook_id, limit, before, status)

    async def retry(self, webhook_id: str, delivery_id: str) -> Delivery:
        """A dead-lettered (or delivered) event sent again, now, with its schedule of retries
        restarted and the same webhook-id."""
        subscription = await self.find(webhook_id)
        found = await self._repository.webhook_delivery(delivery_id)
        if found is None or found.subscription_id != webhook_id:
            raise NotFound(f"webhook {webhook_id[:80]} has no delivery {delivery_id[:80]!r}")
        if not subscription.active:
            raise Conflict(
                f"webhook {webhook_id} is disabled ({subscription.disabled_reason}):"
                " enable it first (PATCH active: true)"
            )
        if not await self._repository.retry_webhook_delivery(delivery_id, self._clock.now()):
            raise Conflict(f"delivery {delivery_id} is pending already")
        retried = await self._repository.webhook_delivery(delivery_id)
        if retried is None:  # its webhook was removed in between
            raise NotFound(f"webhook {webhook_id[:80]} has no delivery {delivery_id[:80]!r}")
        return retried

    async def checked_url(self, url: str) -> str:
        """The URL if the shop may send to it (``WebhookUrlNotAllowed`` if not): in production
        https, to a host whose every address is public."""
        parsed = parse_url(url, development=self._development)
        if self._development:
            return parsed.url
        if parsed.address is not None:
            check_addresses(parsed.host, [str(parsed.address)])
            return parsed.url
        try:
            async with asyncio.timeout(RESOLVE_SECONDS):
                addresses = await self._resolver.addresses(parsed.host)
        except TimeoutError:
            raise WebhookUrlNotAllowed(
                f"{parsed.host[:80]} did not resolve within {RESOLVE_SECONDS:g} s"
            ) from None
        check_addresses(parsed.host, addresses)
        return parsed.url
