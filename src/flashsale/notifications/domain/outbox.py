"""The outbox: every mail the shop wrote, and where its delivery stands.

A mail is written ``kept`` when the shop has no SMTP server (the outbox is then the only place
it goes: ``flashsale mail``, the console), else ``pending`` until a mailer delivers it
(``sent``) or gives up (``failed``). A mailer claims a pending mail by moving its
``next_attempt_at`` past a lease and counting the attempt, so two mailers never hold it at once
and one that dies holding it still counts against the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from flashsale.notifications.domain.message import Mail


class MailStatus(Enum):
    KEPT = "kept"  # outbox only: no SMTP server configured when it was written
    PENDING = "pending"  # waiting for a mailer, or for its next attempt
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # refused for good, or out of attempts


@dataclass(frozen=True, slots=True)
class OutboxMail:
    id: str
    to: str
    template: str
    locale: str  # as the sender asked; the mail may be written in a fallback
    mail: Mail
    status: MailStatus
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None  # set while pending
    sent_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryError:
    """Why the SMTP server did not take one mail; ``permanent`` (a 5xx) is not retried."""

    reason: str
    permanent: bool = False


@dataclass(frozen=True, slots=True)
class FailedAttempt:
    """A delivery attempt to record: pending again at ``retry_at``, or failed when None."""

    mail_id: str
    error: str
    retry_at: datetime | None
