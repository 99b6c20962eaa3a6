"""The OutboxRepository contract: what every record (memory, SQLite, PostgreSQL) must do alike."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from flashsale.kernel.errors import Conflict
from flashsale.notifications.domain.message import Mail
from flashsale.notifications.domain.outbox import FailedAttempt, MailStatus, OutboxMail
from flashsale.record.store import Store

T0 = datetime(2015, 5, 12, 4, 30, tzinfo=UTC)
LEASE = timedelta(minutes=10)
MINUTE = timedelta(minutes=1)


def outbox_mail(
    number: int, status: MailStatus = MailStatus.PENDING, **changes: object
) -> OutboxMail:
    mail = OutboxMail(
        id=f"mail_{number:04d}",
        to=f"fan{number}@mi.example",
        template="order_confirmation",
        locale="zh_CN",
        mail=Mail(
            subject=f"订单 ord_{number}：Mi Band 2 已为您保留",
            text="感谢您的订购。\n合计：₹999.00\n",
            html="<p>感谢您的订购 &amp; <strong>₹999.00</strong></p>",
        ),
        status=status,
        created_at=T0,
        next_attempt_at=T0 if status is MailStatus.PENDING else None,
    )
    return replace(mail, **changes)  # type: ignore[arg-type]


async def test_a_batch_is_stored_and_read_back_as_written(store: Store) -> None:
    plain = outbox_mail(2, MailStatus.KEPT, mail=Mail("Refund", "Refunded.\n"), locale="en_IN")
    await store.add_mails([outbox_mail(1), plain])
    assert await store.mail("mail_0001") == outbox_mail(1)
    assert await store.mail("mail_0002") == plain  # no HTML part: None, not ""
    assert await store.mail("mail_9999") is None


async def test_a_taken_id_is_a_conflict_and_the_batch_stores_nothing(store: Store) -> None:
    await store.add_mails([outbox_mail(1)])
    with pytest.raises(Conflict):
        await store.add_mails([outbox_mail(2), outbox_mail(1)])
    assert await store.mail("mail_0002") is None
    with pytest.raises(Conflict):
        await store.add_mails([outbox_mail(3), outbox_mail(3)])
    assert await store.mail("mail_0003") is None


async def test_a_large_batch_is_stored_whole(store: Store) -> None:
    await store.add_mails([outbox_mail(n, MailStatus.KEPT) for n in range(2500)])
    assert len(await store.recent_mails(500)) == 500
    assert await store.mail("mail_2499") == outbox_mail(2499, MailStatus.KEPT)


async def test_recent_mails_come_newest_first_in_pages_and_by_state(store: Store) -> None:
    await store.add_mails(
        [outbox_mail(n, MailStatus.KEPT if n % 2 else MailStatus.PENDING) for n in range(1, 8)]
    )
    first = await store.recent_mails(3)
    assert [m.id for m in first] == ["mail_0007", "mail_0006", "mail_0005"]
    second = await store.recent_mails(3, before=first[-1].id)
    assert [m.id for m in second] == ["mail_0004", "mail_0003", "mail_0002"]
    last = await store.recent_mails(3, before=second[-1].id)
    assert [m.id for m in last] == ["mail_0001"]
    kept = await store.recent_mails(10, status=MailStatus.KEPT)
    assert [m.id for m in kept] == ["mail_0007", "mail_0005", "mail_0003", "mail_0001"]
    older_pending = await store.recent_mails(10, before="mail_0004", status=MailStatus.PENDING)
    assert [m.id for m in older_pending] == ["mail_0002"]
    assert await store.recent_mails(10, status=MailStatus.SENT) == []


async def test_claiming_takes_due_pending_mail_longest_waiting_first(store: Store) -> None:
    await store.add_mails(
        [
            outbox_mail(1, next_attempt_at=T0 + MINUTE),
            outbox_mail(2, next_attempt_at=T0 - MINUTE),
            outbox_mail(3),
            outbox_mail(4, next_attempt_at=T0 + 5 * MINUTE),  # not due yet
            outbox_mail(5, MailStatus.KEPT),
            outbox_mail(6, MailStatus.SENT, attempts=1, sent_at=T0),
        ]
    )
    now = T0 + MINUTE
    first = await store.claim_due_mails(now, now + LEASE, 2)
    assert [m.id for m in first] == ["mail_0002", "mail_0003"]
    assert all(m.attempts == 1 and m.next_attempt_at == now + LEASE for m in first)
    assert all(m.status is MailStatus.PENDING for m in first)
    rest = await store.claim_due_mails(now, now + LEASE, 10)
    assert [m.id for m in rest] == ["mail_0001"]
    assert await store.claim_due_mails(now, now + LEASE, 10) == []  # held by their leases
    assert await store.mail("mail_0002") == first[0]

    # A lease that runs out lets the next claim take the mail again, counting the attempt.
    later = now + LEASE
    again = await store.claim_due_mails(later, later + LEASE, 10)
    assert [(m.id, m.attempts) for m in again] == [
        ("mail_0001", 2),
        ("mail_0002", 2),
        ("mail_0003", 2),
        ("mail_0004", 1),
    ]


async def test_concurrent_claims_never_share_a_mail(store: Store) -> None:
    await store.add_mails([outbox_mail(n) for n in range(60)])
    claims = await asyncio.gather(*(store.claim_due_mails(T0, T0 + LEASE, 7) for _ in range(12)))
    taken = [m.id for claim in claims for m in claim]
    assert len(taken) == len(set(taken)) == 60
    assert all(m.attempts == 1 for claim in claims for m in claim)


async def test_sent_mail_is_marked_once_and_only_from_pending(store: Store) -> None:
    await store.add_mails([outbox_mail(1), outbox_mail(2, MailStatus.KEPT), outbox_mail(3)])
    (claimed, _) = await store.claim_due_mails(T0, T0 + LEASE, 2)
    await store.mark_mails_failed([FailedAttempt("mail_0001", "451 busy", T0 + MINUTE)])
    await store.mark_mails_sent(["mail_0001", "mail_0002", "mail_9999"], T0 + MINUTE)
    sent = await store.mail("mail_0001")
    assert sent == replace(
        claimed, status=MailStatus.SENT, sent_at=T0 + MINUTE, next_attempt_at=None
    )
    assert sent is not None and sent.last_error is None
    assert await store.mail("mail_0002") == outbox_mail(2, MailStatus.KEPT)  # not pending
    await store.mark_mails_sent(["mail_0001"], T0 + LEASE)
    assert await store.mail("mail_0001") == sent
    await store.mark_mails_sent([], T0)


async def test_failed_attempts_are_retried_or_given_up(store: Store) -> None:
    await store.add_mails([outbox_mail(1), outbox_mail(2), outbox_mail(3, MailStatus.KEPT)])
    claimed = await store.claim_due_mails(T0, T0 + LEASE, 10)
    await store.mark_mails_failed(
        [
            FailedAttempt("mail_0001", "451 mailbox busy", T0 + MINUTE),
            FailedAttempt("mail_0002", "550 no such user", None),
            FailedAttempt("mail_0003", "not pending", None),
        ]
    )
    retried, given_up = claimed
    assert await store.mail("mail_0001") == replace(
        retried, next_attempt_at=T0 + MINUTE, last_error="451 mailbox busy"
    )
    assert await store.mail("mail_0002") == replace(
        given_up, status=MailStatus.FAILED, next_attempt_at=None, last_error="550 no such user"
    )
    assert await store.mail("mail_0003") == outbox_mail(3, MailStatus.KEPT)
    assert await store.claim_due_mails(T0, T0 + LEASE, 10) == []
    assert [m.id for m in await store.claim_due_mails(T0 + MINUTE, T0 + LEASE, 10)] == ["mail_0001"]
    # Failed is final: a late report of either kind changes nothing.
    await store.mark_mails_sent(["mail_0002"], T0 + MINUTE)
    await store.mark_mails_failed([FailedAttempt("mail_0002", "late", T0)])
    failed = await store.mail("mail_0002")
    assert failed is not None and failed.status is MailStatus.FAILED
    assert failed.last_error == "550 no such user"
    await store.mark_mails_failed([])


async def test_a_claim_takes_no_more_than_its_limit(store: Store) -> None:
    # On PostgreSQL a plain IN (subquery ... LIMIT ... SKIP LOCKED) may be run again by the
    # planner and claim more than asked: seen taking 5 mails for a limit of 1.
    await store.add_mails([outbox_mail(n) for n in range(40)])
    for _ in range(5):
        assert len(await store.claim_due_mails(T0, T0 + LEASE, 1)) == 1
    assert len(await store.claim_due_mails(T0, T0 + LEASE, 3)) == 3
