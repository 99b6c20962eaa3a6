"""What mail offers the other domains (``Notifier``) and what it needs from the outside world:
the outbox in the record, and a way to hand mails to a mail server."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from flashsale.notifications.domain.message import Message
from flashsale.notifications.domain.outbox import (
    DeliveryError,
    FailedAttempt,
    MailStatus,
    OutboxMail,
)


class Notifier(Protocol):
    async def send(self, messages: Sequence[Message]) -> None:
        """Render every message and write the batch to the outbox, all or none: InvalidInput
        (an unknown template, a missing or mistyped data key, a bad address or locale) writes
        nothing. Delivery happens later, apart from the caller."""
        ...


class OutboxRepository(Protocol):
    """The outbox in the record. Raises ``Conflict`` on a duplicate id, returns None when
    absent."""

    async def add_mails(self, mails: Sequence[OutboxMail]) -> None:
        """Store a batch in one transaction."""
        ...

    async def mail(self, mail_id: str) -> OutboxMail | None: ...

    async def recent_mails(
        self, limit: int, before: str | None = None, status: MailStatus | None = None
    ) -> list[OutboxMail]:
        """The newest mails first (ids are time-ordered); ``before`` an id to page on from."""
        ...

    async def claim_due_mails(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxMail]:
        """Up to ``limit`` pending mails due at ``now`` (longest waiting first), each with one
        more attempt counted and ``next_attempt_at`` moved to ``lease_until``, in one
        transaction: no other claim takes them before then. Returned as claimed, by id."""
        ...

    async def mark_mails_sent(self, mail_ids: Sequence[str], at: datetime) -> None:
        """pending -> sent; a mail no longer pending is left as it is."""
        ...

    async def mark_mails_failed(self, attempts: Sequence[FailedAttempt]) -> None:
        """Record each failed attempt's error: pending again from its ``retry_at``, or failed
        when that is None; a mail no longer pending is left as it is."""
        ...


class MailTransport(Protocol):
    async def send_mails(self, mails: Sequence[OutboxMail]) -> dict[str, DeliveryError]:
        """Hand the batch to the mail server, over one connection where it can: the mails it
        did not take, by id (each not known to have been taken: a dropped connection fails the
        rest of the batch). Every other mail was accepted."""
        ...
