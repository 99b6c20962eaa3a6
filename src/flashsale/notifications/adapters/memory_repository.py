"""``OutboxRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.kernel.errors import Conflict
from flashsale.notifications.domain.outbox import FailedAttempt, MailStatus, OutboxMail


class MemoryOutboxRepository:
    def __init__(self) -> None:
        super().__init__()
        self._mails: dict[str, OutboxMail] = {}

    async def add_mails(self, mails: Sequence[OutboxMail]) -> None:
        ids = [mail.id for mail in mails]
        if len(set(ids)) != len(ids) or any(i in self._mails for i in ids):
            raise Conflict("a mail with this id exists already")
        for mail in mails:
            self._mails[mail.id] = mail

    async def mail(self, mail_id: str) -> OutboxMail | None:
        return self._mails.get(mail_id)

    async def recent_mails(
        self, limit: int, before: str | None = None, status: MailStatus | None = None
    ) -> list[OutboxMail]:
        found = sorted(
            (
                mail
                for mail in self._mails.values()
                if (before is None or mail.id < before)
                and (status is None or mail.status == status)
            ),
            key=lambda mail: mail.id,
            reverse=True,
        )
        return found[:limit]

    async def claim_due_mails(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxMail]:
        due = sorted(
            (
                mail
                for mail in self._mails.values()
                if mail.status is MailStatus.PENDING
                and mail.next_attempt_at is not None
                and mail.next_attempt_at <= now
            ),
            key=lambda mail: (mail.next_attempt_at, mail.id),
        )[:limit]
        claimed = [
            replace(mail, attempts=mail.attempts + 1, next_attempt_at=lease_until) for mail in due
        ]
        for mail in claimed:
            self._mails[mail.id] = mail
        return sorted(claimed, key=lambda mail: mail.id)

    async def mark_mails_sent(self, mail_ids: Sequence[str], at: datetime) -> None:
        for mail_id in mail_ids:
            mail = self._mails.get(mail_id)
            if mail is not None and mail.status is MailStatus.PENDING:
                self._mails[mail_id] = replace(
                    mail, status=MailStatus.SENT, sent_at=at, next_attempt_at=None, last_error=None
                )

    async def mark_mails_failed(self, attempts: Sequence[FailedAttempt]) -> None:
        for attempt in attempts:
            mail = self._mails.get(attempt.mail_id)
            if mail is not None and mail.status is MailStatus.PENDING:
                status = MailStatus.FAILED if attempt.retry_at is None else MailStatus.PENDING
                self._mails[attempt.mail_id] = replace(
                    mail, status=status, next_attempt_at=attempt.retry_at, last_error=attempt.error
                )
