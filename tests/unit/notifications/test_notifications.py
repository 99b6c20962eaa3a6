"""The Notifier: a batch rendered and written to the outbox, all or none, and read back."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import pytest

from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.notifications.adapters.memory_repository import MemoryOutboxRepository
from flashsale.notifications.domain.message import Message
from flashsale.notifications.domain.outbox import MailStatus, OutboxMail
from flashsale.notifications.ports import Notifier
from flashsale.notifications.service.mailer import Mailer
from flashsale.notifications.service.notifications import Notifications
from flashsale.notifications.service.rendering import MailRenderer
from tests.unit.notifications.examples import T0, message
from tests.unit.notifications.fakes import FakeTransport


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def outbox() -> MemoryOutboxRepository:
    return MemoryOutboxRepository()


def keeping(outbox: MemoryOutboxRepository, clock: ManualClock) -> Notifications:
    return Notifications(outbox, MailRenderer.packaged(), clock)


async def test_without_a_mail_server_every_mail_is_kept_in_the_outbox(
    outbox: MemoryOutboxRepository, clock: ManualClock
) -> None:
    notifications = keeping(outbox, clock)
    notifier: Notifier = notifications  # what other domains are handed
    await notifier.send(
        [message(to="asha@mi.example"), message("refund_issued", "zh_CN", to="li@mi.example")]
    )
    assert not notifications.delivers
    mails = await notifications.recent()
    assert [m.to for m in mails] == ["li@mi.example", "asha@mi.example"]  # newest first
    assert {m.status for m in mails} == {MailStatus.KEPT}
    assert {m.created_at for m in mails} == {T0}
    assert all(m.next_attempt_at is None and m.attempts == 0 for m in mails)
    refund = mails[0]
    assert (refund.template, refund.locale) == ("refund_issued", "zh_CN")
    assert "退款" in refund.mail.subject
    assert await notifications.find(refund.id) == refund


async def test_one_bad_message_writes_none_of_its_batch(
    outbox: MemoryOutboxRepository, clock: ManualClock
) -> None:
    notifications = keeping(outbox, clock)
    with pytest.raises(InvalidInput, match="no mail template 'welcome'"):
        await notifications.send([message(), Message("x@mi.example", "welcome", "en", {})])
    assert await notifications.recent() == []
    await notifications.send([])  # nothing to do
    assert await notifications.recent() == []


async def test_the_outbox_reads_in_pages_and_by_state(
    outbox: MemoryOutboxRepository, clock: ManualClock
) -> None:
    notifications = keeping(outbox, clock)
    for n in range(5):
        await notifications.send([message(to=f"fan{n}@mi.example")])
    first = await notifications.recent(limit=2)
    assert [m.to for m in first] == ["fan4@mi.example", "fan3@mi.example"]
    second = await notifications.recent(limit=2, before=first[-1].id)
    assert [m.to for m in second] == ["fan2@mi.example", "fan1@mi.example"]
    assert len(await notifications.recent(status=MailStatus.KEPT)) == 5
    assert await notifications.recent(status=MailStatus.SENT) == []
    with pytest.raises(InvalidInput, match="limit"):
        await notifications.recent(limit=0)
    with pytest.raises(NotFound, match="no mail mail_nope"):
        await notifications.find("mail_nope")


class WatchedOutbox(MemoryOutboxRepository):
    """Says when a mailer looked for due mail."""

    def __init__(self) -> None:
        super().__init__()
        self.looked = asyncio.Event()

    async def claim_due_mails(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxMail]:
        self.looked.set()
        return await super().claim_due_mails(now, lease_until, limit)


async def test_with_a_mail_server_mail_is_pending_and_the_mailer_woken(
    clock: ManualClock,
) -> None:
    outbox = WatchedOutbox()
    transport = FakeTransport()
    mailer = Mailer(outbox, transport, clock)
    notifications = Notifications(outbox, MailRenderer.packaged(), clock, mailer)
    assert notifications.delivers
    delivering = asyncio.create_task(mailer.run_forever(poll_seconds=3600))
    try:
        await outbox.looked.wait()  # the first round found nothing; the next poll is an hour off
        await notifications.send([message(to="asha@mi.example")])
        (pending,) = await notifications.recent()
        assert pending.status in (MailStatus.PENDING, MailStatus.SENT)
        assert pending.next_attempt_at is not None or pending.sent_at is not None
        await asyncio.wait_for(transport.handed.wait(), 10)  # delivered on the nudge
    finally:
        delivering.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await delivering
    (mail,) = await notifications.recent()
    assert mail.status is MailStatus.SENT and mail.sent_at == T0 and mail.attempts == 1
    assert transport.accepted == ["asha@mi.example"]
