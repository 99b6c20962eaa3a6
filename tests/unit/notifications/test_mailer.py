"""The mailer: due mails in batches, failures retried with growing delays, bounded attempts, and
one mailer at a time per mail (on the memory outbox, a fake transport and a ManualClock)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flashsale.kernel.clock import ManualClock
from flashsale.notifications.adapters.memory_repository import MemoryOutboxRepository
from flashsale.notifications.domain.outbox import DeliveryError, MailStatus, OutboxMail
from flashsale.notifications.domain.retry import RetryPolicy
from flashsale.notifications.service.mailer import Delivered, Mailer
from flashsale.notifications.service.notifications import Notifications
from flashsale.notifications.service.rendering import MailRenderer
from tests.unit.notifications.examples import T0, message
from tests.unit.notifications.fakes import FakeTransport

MINUTE = 60.0


class Post:
    """An outbox, a transport and a clock, with mail written through Notifications."""

    def __init__(self, *, batch: int = 100, policy: RetryPolicy | None = None) -> None:
        self.clock = ManualClock(T0)
        self.outbox = MemoryOutboxRepository()
        self.transport = FakeTransport()
        self.mailer = Mailer(self.outbox, self.transport, self.clock, batch=batch, policy=policy)
        self.notifications = Notifications(
            self.outbox, MailRenderer.packaged(), self.clock, self.mailer
        )

    async def write(self, *recipients: str) -> None:
        await self.notifications.send([message(to=to) for to in recipients])

    async def mail_to(self, recipient: str) -> OutboxMail:
        (found,) = [m for m in await self.notifications.recent() if m.to == recipient]
        return found


async def test_due_mail_goes_out_in_one_batch_and_is_marked_sent() -> None:
    post = Post()
    await post.write("a@mi.example", "b@mi.example", "c@mi.example")
    post.clock.advance(1)
    assert await post.mailer.deliver_due() == Delivered(sent=3)
    assert [len(batch) for batch in post.transport.batches] == [3]
    for mail in await post.notifications.recent():
        assert mail.status is MailStatus.SENT
        assert mail.sent_at == T0 + timedelta(seconds=1)
        assert (mail.attempts, mail.next_attempt_at, mail.last_error) == (1, None, None)
    assert await post.mailer.deliver_due() == Delivered()  # nothing twice


async def test_a_large_outbox_goes_out_a_batch_at_a_time() -> None:
    post = Post(batch=2)
    await post.write(*(f"fan{n}@mi.example" for n in range(5)))
    assert await post.mailer.deliver_due() == Delivered(sent=5)
    assert [len(batch) for batch in post.transport.batches] == [2, 2, 1]
    # Oldest first.
    assert post.transport.accepted == [f"fan{n}@mi.example" for n in range(5)]


async def test_a_refused_mail_is_retried_with_doubling_delays_then_given_up() -> None:
    post = Post(policy=RetryPolicy(max_attempts=4))
    post.transport.refusals["busy@mi.example"] = DeliveryError("451 mailbox busy")
    await post.write("busy@mi.example", "ok@mi.example")

    assert await post.mailer.deliver_due() == Delivered(sent=1, retrying=1)
    waits = []
    for attempt in (1, 2, 3):
        busy = await post.mail_to("busy@mi.example")
        assert (busy.status, busy.attempts, busy.last_error) == (
            MailStatus.PENDING,
            attempt,
            "451 mailbox busy",
        )
        assert busy.next_attempt_at is not None
        wait = busy.next_attempt_at - post.clock.now()
        waits.append(wait)
        post.clock.advance(wait.total_seconds() - 1)
        assert await post.mailer.deliver_due() == Delivered()  # not yet
        post.clock.advance(1)
        expected = Delivered(retrying=1) if attempt < 3 else Delivered(failed=1)
        assert await post.mailer.deliver_due() == expected
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    busy = await post.mail_to("busy@mi.example")
    assert (busy.status, busy.attempts, busy.next_attempt_at) == (MailStatus.FAILED, 4, None)
    post.clock.advance(24 * 3600)
    assert await post.mailer.deliver_due() == Delivered()  # given up for good


async def test_a_refused_mail_is_sent_once_the_server_takes_it() -> None:
    post = Post()
    post.transport.refusals["busy@mi.example"] = DeliveryError("451 mailbox busy")
    await post.write("busy@mi.example")
    await post.mailer.deliver_due()
    del post.transport.refusals["busy@mi.example"]
    post.clock.advance(MINUTE)
    assert await post.mailer.deliver_due() == Delivered(sent=1)
    busy = await post.mail_to("busy@mi.example")
    assert (busy.status, busy.attempts, busy.last_error) == (MailStatus.SENT, 2, None)


async def test_a_permanent_refusal_is_not_retried() -> None:
    post = Post()
    post.transport.refusals["nobody@mi.example"] = DeliveryError("550 no such user", True)
    await post.write("nobody@mi.example", "fan@mi.example")
    assert await post.mailer.deliver_due() == Delivered(sent=1, failed=1)
    nobody = await post.mail_to("nobody@mi.example")
    assert (nobody.status, nobody.attempts, nobody.last_error) == (
        MailStatus.FAILED,
        1,
        "550 no such user",
    )


async def test_a_transport_that_breaks_leaves_the_whole_batch_to_retry() -> None:
    post = Post()
    post.transport.broken = ConnectionRefusedError("connection refused")
    await post.write("a@mi.example", "b@mi.example")
    assert await post.mailer.deliver_due() == Delivered(retrying=2)
    for mail in await post.notifications.recent():
        assert mail.status is MailStatus.PENDING
        assert mail.last_error == "ConnectionRefusedError: connection refused"
    post.transport.broken = None
    post.clock.advance(MINUTE)
    assert await post.mailer.deliver_due() == Delivered(sent=2)


async def test_a_claimed_mail_waits_for_its_lease_before_another_mailer_takes_it() -> None:
    post = Post()
    await post.write("fan@mi.example")
    # A mailer in another process claims it and dies before it can say how it went.
    policy = RetryPolicy()
    (claimed,) = await post.outbox.claim_due_mails(
        post.clock.now(), post.clock.now() + policy.lease, 100
    )
    assert claimed.attempts == 1
    assert await post.mailer.deliver_due() == Delivered()
    post.clock.advance(policy.lease.total_seconds())
    assert await post.mailer.deliver_due() == Delivered(sent=1)
    mail = await post.mail_to("fan@mi.example")
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)  # the lost attempt counted


async def test_kept_mail_is_never_delivered() -> None:
    post = Post()
    kept = Notifications(post.outbox, MailRenderer.packaged(), post.clock)  # no mailer
    await kept.send([message(to="fan@mi.example")])
    assert await post.mailer.deliver_due() == Delivered()
    assert (await post.mail_to("fan@mi.example")).status is MailStatus.KEPT


def test_the_retry_delays_double_up_to_their_cap() -> None:
    policy = RetryPolicy(
        max_attempts=100, first_delay=timedelta(minutes=1), max_delay=timedelta(minutes=5)
    )
    temporary = DeliveryError("421 later")
    delays = [policy.retry_at(n, temporary, T0) for n in (1, 2, 3, 4, 99)]
    assert [d - T0 if d else None for d in delays] == [
        timedelta(minutes=m) for m in (1, 2, 4, 5, 5)
    ]
    assert policy.retry_at(100, temporary, T0) is None
    assert policy.retry_at(1, DeliveryError("550 no", permanent=True), T0) is None
    with pytest.raises(ValueError, match="at least one attempt"):
        RetryPolicy(max_attempts=0)
