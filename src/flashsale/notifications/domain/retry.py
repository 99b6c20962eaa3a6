"""When a mail the SMTP server did not take is tried again, and when the mailer gives up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flashsale.notifications.domain.outbox import DeliveryError

# Past this the delay is max_delay anyway; the bound keeps timedelta from overflowing.
_MAX_DOUBLINGS = 30


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Doubling delays from ``first_delay`` up to ``max_delay``: the defaults try 8 times over
    about two hours, which outlasts a mail server's restart without mailing a confirmation a day
    late."""

    max_attempts: int = 8
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    # A claimed mail is not claimed again before this: longer than a batch takes to send, so
    # only a mailer that died (or hung) mid-batch lets another one try it.
    lease: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("a mail needs at least one attempt")

    def retry_at(self, attempts: int, error: DeliveryError, now: datetime) -> datetime | None:
        """After the ``attempts``-th attempt failed with ``error``: the next one, or None."""
        if error.permanent or attempts >= self.max_attempts:
            return None
        doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
        return now + min(self.first_delay * (1 << doublings), self.max_delay)
