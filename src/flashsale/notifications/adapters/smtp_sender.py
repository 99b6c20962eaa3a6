"""``MailTransport`` over SMTP (aiosmtplib): a batch over one connection.

A refusal of one mail (a 4xx or 5xx answer to it) fails that mail only, and the server is
reset for the next; a lost connection fails the mail in flight and the rest of the batch,
since nothing after it was handed over.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiosmtplib

from flashsale.notifications.adapters.mime import envelope_sender, mime_message
from flashsale.notifications.adapters.smtp_endpoint import SmtpEndpoint
from flashsale.notifications.domain.outbox import DeliveryError, OutboxMail

# An SMTP reply from 500 up refuses for good; below, "try again later".
PERMANENT_FROM = 500


class SmtpSender:
    def __init__(self, endpoint: SmtpEndpoint, mail_from: str) -> None:
        self._endpoint = endpoint
        self._mail_from = mail_from
        self._sender = envelope_sender(mail_from)

    def _client(self) -> aiosmtplib.SMTP:
        e = self._endpoint
        return aiosmtplib.SMTP(
            hostname=e.host,
            port=e.port,
            username=e.username,
            password=e.password,
            use_tls=e.use_tls,
            start_tls=e.start_tls,
            timeout=e.timeout,
        )

    async def send_mails(self, mails: Sequence[OutboxMail]) -> dict[str, DeliveryError]:
        if not mails:
            return {}
        errors: dict[str, DeliveryError] = {}
        client = self._client()
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = DeliveryError(f"cannot reach the mail server: {_reason(exc)}")
            return {mail.id: error for mail in mails}
        try:
            for index, mail in enumerate(mails):
                try:
                    await client.send_message(
                        mime_message(mail, self._mail_from),
                        sender=self._sender,
                        recipients=[mail.to],
                    )
                except aiosmtplib.SMTPRecipientsRefused as exc:
                    codes = [refused.code for refused in exc.recipients]
                    permanent = bool(codes) and min(codes) >= PERMANENT_FROM
                    errors[mail.id] = DeliveryError(_reason(exc), permanent)
                except aiosmtplib.SMTPResponseException as exc:
                    if not client.is_connected:
                        errors |= _lost(mails[index:], exc)
                        break
                    errors[mail.id] = DeliveryError(_reason(exc), exc.code >= PERMANENT_FROM)
                except (ValueError, aiosmtplib.SMTPNotSupported) as exc:
                    # An address or a message this server cannot carry (SMTPUTF8, say).
                    errors[mail.id] = DeliveryError(_reason(exc), permanent=True)
                except (aiosmtplib.SMTPException, OSError) as exc:
                    errors |= _lost(mails[index:], exc)
                    break
        except BaseException:
            client.close()  # cancelled: no goodbye that could keep shutdown waiting
            raise
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        return errors


def _lost(mails: Sequence[OutboxMail], exc: Exception) -> dict[str, DeliveryError]:
    error = DeliveryError(f"connection lost: {_reason(exc)}")
    return {mail.id: error for mail in mails}


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
