"""An outbox mail as the MIME message a mail server takes: text, and HTML as its alternative."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flashsale.notifications.domain.outbox import OutboxMail


def envelope_sender(mail_from: str) -> str:
    """The bare address of a From such as ``flashsale <shop@example.com>``."""
    return parseaddr(mail_from)[1]


def mime_message(mail: OutboxMail, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = mail.to
    message["Subject"] = mail.mail.subject
    message["Date"] = format_datetime(mail.created_at)
    # The same id every time this mail is sent: a mail sent again after a lost
    # acknowledgement is one message to the receiving side, which may drop the copy.
    domain = envelope_sender(mail_from).rpartition("@")[2] or "flashsale.invalid"
    message["Message-ID"] = f"<{mail.id}@{domain}>"
    message.set_content(mail.mail.text)
    if mail.mail.html is not None:
        message.add_alternative(mail.mail.html, subtype="html")
    return message
