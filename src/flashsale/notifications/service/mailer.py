"""Delivery: pending outbox mails handed to the mail server in batches, each batch over one
connection, failures retried with growing delays until the retry policy gives up.

Every process may run a mailer: a claim in the record (``claim_due_mails``) gives each pending
mail to one of them at a time. A mail is marked sent only after the server took it, so a mailer
killed in between sends it again once its lease runs out: at least once, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flashsale.kernel.clock import Clock
from flashsale.notifications.domain.outbox import DeliveryError, FailedAttempt, OutboxMail
from flashsale.notifications.domain.retry import RetryPolicy
from flashsale.notifications.ports import MailTransport, OutboxRepository

DEFAULT_BATCH = 100
POLL_SECONDS = 5.0  # a mail written by another process waits at most this long

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivered:
    """One round of deliveries: mails taken, to be retried, and given up."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


class Mailer:
    def __init__(
        self,
        outbox: OutboxRepository,
        transport: MailTransport,
        clock: Clock,
        *,
        batch: int = DEFAULT_BATCH,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._outbox = outbox
        self._transport = transport
        self._clock = clock
        self._batch = batch
        self._policy = policy or RetryPolicy()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New mail in this process: deliver now rather than at the next poll."""
        self._wake.set()

    async def deliver_due(self) -> Delivered:
        """Deliver every mail due now, a batch at a time."""
        total = Delivered()
        while True:
            now = self._clock.now()
            claimed = await self._outbox.claim_due_mails(now, now + self._policy.lease, self._batch)
            if not claimed:
                return total
            done = await self._deliver(claimed)
            total = Delivered(
                total.sent + done.sent, total.retrying + done.retrying, total.failed + done.failed
            )
            if len(claimed) < self._batch:
                return total

    async def _deliver(self, mails: Sequence[OutboxMail]) -> Delivered:
        try:
            errors = await self._transport.send_mails(mails)
        except Exception as exc:  # nothing is known to have been taken: all are tried again
            log.warning("mail delivery failed", exc_info=True)
            error = DeliveryError(f"{type(exc).__name__}: {exc}")
            errors = {mail.id: error for mail in mails}
        now = self._clock.now()
        sent = [mail.id for mail in mails if mail.id not in errors]
        failed = [
            FailedAttempt(
                mail.id,
                errors[mail.id].reason,
                self._policy.retry_at(mail.attempts, errors[mail.id], now),
            )
            for mail in mails
            if mail.id in errors
        ]
        if sent:
            await self._outbox.mark_mails_sent(sent, now)
        if failed:
            await self._outbox.mark_mails_failed(failed)
        given_up = sum(1 for attempt in failed if attempt.retry_at is None)
        return Delivered(len(sent), len(failed) - given_up, given_up)

    async def run_forever(self, poll_seconds: float = POLL_SECONDS) -> None:
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception:  # the record is away: the mails wait in it, intact
                log.exception("mail delivery round failed")
            # Not asyncio.wait_for: on Python 3.11 it can swallow the task's cancellation when
            # the wake-up comes at the same moment, and the loop would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await self._wake.wait()
