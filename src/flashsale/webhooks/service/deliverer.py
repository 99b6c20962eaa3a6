"""Delivery: due deliveries claimed in batches, signed, POSTed at once, and their outcomes
recorded in one transaction a batch.

Every process may run deliverers, and one process several lanes of them: a claim gives each
delivery to one lane at a time, under a lease longer than a batch can take (its requests run
side by side, each within the sender's timeout). An outcome is recorded only after the
receiver answered, so a deliverer killed in between sends the event again once its lease runs
out, with the same webhook-id: at least once, never lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from flashsale.kernel.clock import Clock
from flashsale.webhooks.domain.backoff import GONE, judged
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus
from flashsale.webhooks.domain.signing import signed_headers
from flashsale.webhooks.ports import WebhookRepository, WebhookRequest, WebhookSender

DEFAULT_BATCH = 256
DEFAULT_LANES = 2
DEFAULT_LEASE = timedelta(minutes=2)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivered:
    """One round of deliveries: taken by the receiver, to be retried, given up."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def __add__(self, other: Delivered) -> Delivered:
        return Delivered(
            self.delivered + other.delivered,
            self.retrying + other.retrying,
            self.failed + other.failed,
        )


class Deliverer:
    def __init__(
        self,
        repository: WebhookRepository,
        sender: WebhookSender,
        clock: Clock,
        *,
        batch: int = DEFAULT_BATCH,
        lanes: int = DEFAULT_LANES,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._repository = repository
        self._sender = sender
        self._clock = clock
        self._batch = batch
        self._lanes = lanes
        self._lease = lease

    async def deliver_due(self, keep_going: Callable[[], bool] = lambda: True) -> Delivered:
        """Deliver everything due now, ``lanes`` batches in flight at a time, or until
        ``keep_going`` says stop (asked before each batch)."""
        done = await asyncio.gather(*(self._lane(keep_going) for _ in range(self._lanes)))
        total = Delivered()
        for lane in done:
            total += lane
        return total

    async def deliver_some(self, most: int) -> Delivered:
        """One batch of at most ``most`` due deliveries (a worker yielding to a sale)."""
        now = self._clock.now()
        claimed = await self._repository.claim_webhook_deliveries(now, now + self._lease, most)
        return await self.deliver(claimed) if claimed else Delivered()

    async def _lane(self, keep_going: Callable[[], bool]) -> Delivered:
        total = Delivered()
        while keep_going():
            now = self._clock.now()
            claimed = await self._repository.claim_webhook_deliveries(
                now, now + self._lease, self._batch
            )
            if not claimed:
                # Asked again after a short batch too: an order's next event becomes due the
                # moment its earlier one is delivered, and goes now rather than a poll later.
                return total
            total += await self.deliver(claimed)
        return total

    async def deliver(self, claimed: Sequence[Delivery]) -> Delivered:
        """Send deliveries this process has claimed and record what became of them."""
        subscriptions = {s.id: s for s in await self._repository.webhooks()}
        # A delivery whose subscription was removed meanwhile has no row left to record in.
        sendable = [d for d in claimed if d.subscription_id in subscriptions]
        sent_at = self._clock.now()
        requests = [
            WebhookRequest(
                subscriptions[d.subscription_id].url,
                signed_headers(
                    subscriptions[d.subscription_id].secret, d.event_id, sent_at, d.body
                ),
                d.body,
            )
            for d in sendable
        ]
        responses = await self._sender.send(requests)
        now = self._clock.now()
        attempts = [
            judged(delivery, response.status, response.detail, now)
            for delivery, response in zip(sendable, responses, strict=True)
        ]
        await self._repository.record_webhook_attempts(attempts)
        gone = sorted(
            {
                d.subscription_id
                for d, a in zip(sendable, attempts, strict=True)
                if a.response_status == GONE
            }
        )
        if gone:
            log.warning("webhooks %s answered 410 Gone: disabled", ", ".join(gone))
            await self._repository.disable_webhooks(gone, "the receiver answered 410 Gone", now)
        return _counted(attempts)


def _counted(attempts: Sequence[Attempt]) -> Delivered:
    delivered = sum(1 for a in attempts if a.status is DeliveryStatus.DELIVERED)
    failed = sum(1 for a in attempts if a.status is DeliveryStatus.FAILED)
    return Delivered(delivered, len(attempts) - delivered - failed, failed)
