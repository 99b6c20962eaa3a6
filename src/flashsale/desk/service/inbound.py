"""Customers' e-mail in: the mail gateway POSTs each mail signed as Standard Webhooks
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature``); ``flashsale desk import-mbox``
reads a mailbox file. A mail answering a case is added to it; any other opens a new one."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator, Mapping
from email.message import Message as EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol

import orjson
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from flashsale.catalog.service import Catalog
from flashsale.customers.model import Customer
from flashsale.desk.domain.case import Case, Channel, Topic
from flashsale.desk.domain.mail import InboundMail, case_number_in, message_id_of
from flashsale.desk.domain.staffing import language_of
from flashsale.desk.ports import DeskRepository
from flashsale.desk.service.cases import Cases, Opening
from flashsale.kernel.errors import AuthenticationFailed, InvalidInput
from flashsale.notifications.domain.message import check_address


class CustomerByEmail(Protocol):
    async def customer_by_email(self, email: str) -> Customer | None: ...


class Inbound:
    def __init__(
        self,
        repository: DeskRepository,
        cases: Cases,
        customers: CustomerByEmail,
        catalog: Catalog,
        secret: str | None,
    ) -> None:
        self._repo = repository
        self._cases = cases
        self._customers = customers
        self._catalog = catalog
        self._secret = secret

    def verified(self, body: bytes, headers: Mapping[str, str]) -> InboundMail:
        """The mail the gateway signed; 401 for a bad or missing signature."""
        if not self._secret:
            raise AuthenticationFailed("inbound mail is off: no FLASHSALE_DESK_INBOUND_SECRET")
        try:
            Webhook(self._secret).verify(body, dict(headers))
        except WebhookVerificationError as exc:
            raise AuthenticationFailed(f"the mail's signature does not verify: {exc}") from None
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidInput("the mail is no JSON object") from None
        return mail_of(data)

    async def receive(self, mail: InboundMail) -> tuple[Case, bool]:
        """The case the mail went to, and whether it opened it."""
        case_id = await self._repo.case_of_mail(mail.answered_ids())
        if case_id is None:
            number = case_number_in(mail.subject)
            found = None if number is None else await self._repo.case_by_number(number)
            if found is not None and found.contact.lower() == mail.sender.lower():
                case_id = found.id
        if case_id is not None:
            return await self._cases.mail_arrived(case_id, mail.text, mail.message_id), False
        customer = await self._customers.customer_by_email(mail.sender.lower())
        market_code = customer.market_code if customer is not None else mail.market
        if market_code is None:
            raise InvalidInput("a mail from an unknown sender names its market")
        market = await self._catalog.market(market_code.upper())
        opened = await self._cases.open(
            Opening(
                None if customer is None else customer.id,
                mail.sender,
                market.code,
                language_of(market.locale),
                Topic.OTHER.value,
                mail.text,
                channel=Channel.EMAIL,
                subject=mail.subject,
                email_message_id=mail.message_id,
                self_service=False,
            )
        )
        return opened, True

    async def import_mbox(self, path: Path, market: str | None = None) -> tuple[int, int]:
        """Every mail of the file, oldest first: (cases opened, mails added to cases)."""
        opened = added = 0
        for mail in read_mbox(path, market):
            _, new = await self.receive(mail)
            opened, added = opened + new, added + (not new)
        return opened, added


def mail_of(data: Any) -> InboundMail:
    if not isinstance(data, dict):
        raise InvalidInput("the mail is a JSON object: from, subject, text, message_id…")

    def text(key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise InvalidInput(f"{key}: text")
        return value

    sender = parseaddr(text("from", True) or "")[1]
    check_address(sender)
    return InboundMail(
        sender,
        (text("subject") or "")[:998],
        text("text", True) or "",
        message_id_of(text("message_id")),
        text("in_reply_to"),
        text("references"),
        text("market"),
    )


def read_mbox(path: Path, market: str | None = None) -> Iterator[InboundMail]:
    if not path.is_file():
        raise InvalidInput(f"no mailbox file {path}")
    for message in mailbox.mbox(str(path)):
        yield InboundMail(
            parseaddr(str(message.get("From", "")))[1],
            str(message.get("Subject", "")),
            _plain_text(message),
            message_id_of(message.get("Message-ID")),
            message.get("In-Reply-To"),
            message.get("References"),
            market,
        )


def _plain_text(message: EmailMessage) -> str:
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    return payload.decode(part.get_content_charset() or "utf-8", "replace")
        return ""
    payload = message.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(message.get_content_charset() or "utf-8", "replace")
    return str(message.get_payload())
