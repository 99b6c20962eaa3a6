"""When a delivery the receiver did not take is tried again, and what each answer means.

Standard Webhooks' schedule: about 5 s, 30 s, 2 min, 10 min, 1 h, 6 h and 24 h after each
failed attempt, eight attempts over about a day and a half, then the delivery is dead-lettered.
A 2xx is delivered; 410 Gone says the endpoint is no more, so the delivery fails at once and
its subscription is disabled; anything else (another status, a redirect, a timeout, a refused
connection) is tried again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus

BACKOFF = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
GONE = 410
MAX_ERROR_LENGTH = 500


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """After the ``attempts``-th attempt failed: when to try again, or None to give up."""
    if attempts < 1:
        raise ValueError("an attempt is counted before it is judged")
    if attempts > len(BACKOFF):
        return None
    return now + BACKOFF[attempts - 1]


def judged(
    delivery: Delivery, response_status: int | None, error: str | None, now: datetime
) -> Attempt:
    """The outcome of one attempt at ``delivery`` (as claimed): the receiver's status, or the
    error that kept it from answering."""
    if response_status is not None and 200 <= response_status < 300:
        return Attempt(
            delivery.id, delivery.attempts, now, DeliveryStatus.DELIVERED, None, response_status
        )
    if response_status is not None:
        error = f"HTTP {response_status}" + (f": {error}" if error else "")
    reason = (error or "no answer")[:MAX_ERROR_LENGTH]
    if response_status == GONE:
        return Attempt(
            delivery.id, delivery.attempts, now, DeliveryStatus.FAILED, None, GONE, reason
        )
    again = retry_at(delivery.attempts, now)
    status = DeliveryStatus.FAILED if again is None else DeliveryStatus.PENDING
    return Attempt(delivery.id, delivery.attempts, now, status, again, response_status, reason)
