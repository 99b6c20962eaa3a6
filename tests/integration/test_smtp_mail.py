"""Mail over real SMTP: the shop's outbox (SQLite) delivered through aiosmtplib to an aiosmtpd
server on 127.0.0.1, on a port the system picks, in this test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from flashsale.bootstrap import Shop, build_shop
from flashsale.kernel.clock import ManualClock
from flashsale.notifications.domain.outbox import MailStatus, OutboxMail
from flashsale.notifications.service.mailer import Delivered, Mailer
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from tests.conftest import fast_settings
from tests.unit.notifications.examples import message

T0 = datetime(2015, 5, 12, 4, 30, tzinfo=UTC)
MAIL_FROM = "Mi Store <store@mi.example>"


class MailServer:
    """Takes every mail, except where told to refuse a recipient, refuse a message once, or
    hang up."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.connections = 0
        self.refused_recipients: dict[str, str] = {}
        self.refuse_next_data: list[str] = []
        self.hang_up_on_message: int | None = None
        self.arrived = asyncio.Event()

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.hang_up_on_message == len(self.received) + 1:
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.2 going away"
        if self.refuse_next_data:
            return self.refuse_next_data.pop(0)
        assert isinstance(envelope.content, bytes) and envelope.mail_from is not None
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.arrived.set()
        return "250 2.0.0 accepted"


@contextlib.asynccontextmanager
async def listening(handler: MailServer) -> AsyncIterator[int]:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="mx.test"), "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    return url


@contextlib.asynccontextmanager
async def mailing_shop(database_url: str, port: int, clock: ManualClock) -> AsyncIterator[Shop]:
    settings = fast_settings(
        database_url=database_url,
        smtp_url=f"smtp://127.0.0.1:{port}?starttls=0&timeout=10",
        mail_from=MAIL_FROM,
    )
    shop = await build_shop(settings, clock=clock)
    try:
        yield shop
    finally:
        await shop.aclose()


@pytest.fixture
def server() -> MailServer:
    return MailServer()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def lines(text: str) -> list[str]:
    """The lines of a body, whatever their ends (SMTP carries CRLF)."""
    return text.splitlines()


def mailer_of(shop: Shop) -> Mailer:
    assert shop.mailer is not None, "FLASHSALE_SMTP_URL is set"
    return shop.mailer


async def outbox(shop: Shop) -> dict[str, OutboxMail]:
    return {mail.to: mail for mail in await shop.notifications.recent()}


async def test_a_batch_goes_out_over_one_connection_and_is_marked_sent(
    server: MailServer, database_url: str, clock: ManualClock
) -> None:
    async with listening(server) as port, mailing_shop(database_url, port, clock) as shop:
        await shop.notifications.send(
            [
                message("order_confirmation", "en_IN", to="asha@mi.example"),
                message("payment_reminder", "zh_CN", to="li@mi.example"),
                message("refund_issued", "el_GR", to="eleni@mi.example"),
            ]
        )
        assert {m.status for m in (await outbox(shop)).values()} == {MailStatus.PENDING}
        clock.advance(2)
        assert await mailer_of(shop).deliver_due() == Delivered(sent=3)
        mails = await outbox(shop)

    assert server.connections == 1
    assert [to for _, (to,) in server.envelopes] == [
        "asha@mi.example",
        "li@mi.example",
        "eleni@mi.example",
    ]
    assert {sender for sender, _ in server.envelopes} == {"store@mi.example"}
    for received in server.received:
        stored = mails[str(received["To"])]
        assert stored.status is MailStatus.SENT
        assert stored.sent_at == T0.replace(second=2) and stored.attempts == 1
        assert received["From"] == MAIL_FROM
        # Decoded, Chinese too. A subject longer than a line is folded right after "Subject:",
        # whose blank the parser keeps where mail readers drop it.
        assert str(received["Subject"]).lstrip() == stored.mail.subject
        assert received["Message-ID"] == f"<{stored.id}@mi.example>"
        assert received.get_content_type() == "multipart/alternative"
        text = received.get_body(("plain",))
        html = received.get_body(("html",))
        assert text is not None and html is not None
        assert lines(text.get_content()) == lines(stored.mail.text)
        assert lines(html.get_content()) == lines(stored.mail.html or "")
    chinese = mails["li@mi.example"]
    assert "付款" in chinese.mail.subject and "付款" in str(server.received[1]["Subject"])


async def test_a_refused_delivery_is_retried_after_its_delay(
    server: MailServer, database_url: str, clock: ManualClock
) -> None:
    server.refuse_next_data = ["451 4.3.0 mailbox busy, try again later"]
    async with listening(server) as port, mailing_shop(database_url, port, clock) as shop:
        await shop.notifications.send(
            [message(to="busy@mi.example"), message(to="fine@mi.example")]
        )
        mailer = mailer_of(shop)
        assert await mailer.deliver_due() == Delivered(sent=1, retrying=1)
        busy = (await outbox(shop))["busy@mi.example"]
        assert (busy.status, busy.attempts) == (MailStatus.PENDING, 1)
        assert busy.last_error is not None and "451" in busy.last_error
        assert busy.next_attempt_at == T0.replace(minute=31)  # a minute later

        clock.advance(59)
        assert await mailer.deliver_due() == Delivered()
        clock.advance(1)
        assert await mailer.deliver_due() == Delivered(sent=1)
        busy = (await outbox(shop))["busy@mi.example"]
        assert (busy.status, busy.attempts, busy.last_error) == (MailStatus.SENT, 2, None)
    assert [str(m["To"]) for m in server.received] == ["fine@mi.example", "busy@mi.example"]
    assert server.connections == 2


async def test_a_mailbox_that_does_not_exist_fails_for_good_and_the_batch_goes_on(
    server: MailServer, database_url: str, clock: ManualClock
) -> None:
    server.refused_recipients["nobody@mi.example"] = "550 5.1.1 no such user"
    async with listening(server) as port, mailing_shop(database_url, port, clock) as shop:
        await shop.notifications.send(
            [message(to="nobody@mi.example"), message(to="fan@mi.example")]
        )
        assert await mailer_of(shop).deliver_due() == Delivered(sent=1, failed=1)
        mails = await outbox(shop)
    nobody = mails["nobody@mi.example"]
    assert nobody.status is MailStatus.FAILED and nobody.next_attempt_at is None
    assert nobody.last_error is not None and "550" in nobody.last_error
    assert mails["fan@mi.example"].status is MailStatus.SENT
    assert server.connections == 1


async def test_a_connection_lost_mid_batch_leaves_the_rest_to_retry(
    server: MailServer, database_url: str, clock: ManualClock
) -> None:
    server.hang_up_on_message = 2
    async with listening(server) as port, mailing_shop(database_url, port, clock) as shop:
        await shop.notifications.send([message(to=f"fan{n}@mi.example") for n in (1, 2, 3)])
        mailer = mailer_of(shop)
        assert await mailer.deliver_due() == Delivered(sent=1, retrying=2)
        mails = await outbox(shop)
        assert mails["fan1@mi.example"].status is MailStatus.SENT
        for n in (2, 3):
            lost = mails[f"fan{n}@mi.example"]
            assert lost.status is MailStatus.PENDING
            assert lost.last_error is not None and "connection lost" in lost.last_error
        server.hang_up_on_message = None
        clock.advance(60)
        assert await mailer.deliver_due() == Delivered(sent=2)
    assert sorted(str(m["To"]) for m in server.received) == [
        f"fan{n}@mi.example" for n in (1, 2, 3)
    ]


async def test_an_unreachable_server_leaves_the_mail_pending(
    server: MailServer, database_url: str, clock: ManualClock
) -> None:
    async with listening(server) as port:
        pass  # now closed: nothing listens there
    async with mailing_shop(database_url, port, clock) as shop:
        await shop.notifications.send([message(to="fan@mi.example")])
        assert await mailer_of(shop).deliver_due() == Delivered(retrying=1)
        mail = (await outbox(shop))["fan@mi.example"]
    assert mail.status is MailStatus.PENDING and mail.attempts == 1
    assert mail.last_error is not None and "cannot reach the mail server" in mail.last_error


class WatchedStore(SqlStore):
    """Says when mail was marked sent."""

    marked: asyncio.Event

    async def mark_mails_sent(self, mail_ids: Sequence[str], at: datetime) -> None:
        await super().mark_mails_sent(mail_ids, at)
        self.marked.set()


async def test_a_running_shop_delivers_what_it_writes(
    server: MailServer, database_url: str, clock: ManualClock
) -> None:
    store = await WatchedStore.open(database_url)
    store.marked = asyncio.Event()
    async with listening(server) as port:
        smtp_url = f"smtp://127.0.0.1:{port}?starttls=0"
        settings = fast_settings(database_url=database_url, smtp_url=smtp_url, mail_from=MAIL_FROM)
        shop = await build_shop(settings, clock=clock, store=store)
        try:
            await shop.start()
            await shop.notifications.send([message(to="fan@mi.example")])
            # Delivered by the shop's own background loop, which the write wakes.
            async with asyncio.timeout(10):
                await store.marked.wait()
            (mail,) = await shop.notifications.recent()
        finally:
            await shop.aclose()
    assert [str(m["To"]) for m in server.received] == ["fan@mi.example"]
    assert mail.status is MailStatus.SENT
