"""Outbox mails to table rows and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.notifications.domain.message import Mail
from flashsale.notifications.domain.outbox import MailStatus, OutboxMail


def mail_row(mail: OutboxMail) -> dict[str, Any]:
    return {
        "id": mail.id,
        "recipient": mail.to,
        "template": mail.template,
        "locale": mail.locale,
        "subject": mail.mail.subject,
        "text_body": mail.mail.text,
        "html_body": mail.mail.html,
        "status": mail.status.value,
        "attempts": mail.attempts,
        "created_at": mail.created_at,
        "next_attempt_at": mail.next_attempt_at,
        "sent_at": mail.sent_at,
        "last_error": mail.last_error,
    }


def mail_of(row: RowMapping) -> OutboxMail:
    return OutboxMail(
        id=row["id"],
        to=row["recipient"],
        template=row["template"],
        locale=row["locale"],
        mail=Mail(subject=row["subject"], text=row["text_body"], html=row["html_body"]),
        status=MailStatus(row["status"]),
        created_at=row["created_at"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
    )
