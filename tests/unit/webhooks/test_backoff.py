"""The retry schedule and what each answer of a receiver means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.backoff import BACKOFF, MAX_ATTEMPTS, judged, retry_at
from flashsale.webhooks.domain.delivery import Delivery, DeliveryStatus

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def claimed(attempts: int) -> Delivery:
    return Delivery(
        "dlv_1", "whk_1", "evt_1", EventCursor(0, 1), "ord_1", "order.paid", b"{}",
        DeliveryStatus.PENDING, NOW, attempts=attempts,
    )  # fmt: skip


def test_the_schedule_is_standard_webhooks_then_the_dead_letters() -> None:
    expected = [5, 30, 120, 600, 3600, 6 * 3600, 24 * 3600]
    assert [retry_at(n, NOW) for n in range(1, 8)] == [NOW + timedelta(seconds=s) for s in expected]
    assert retry_at(8, NOW) is None
    assert MAX_ATTEMPTS == 8
    assert sum(BACKOFF, timedelta()) == timedelta(hours=31, minutes=12, seconds=35)
    with pytest.raises(ValueError, match="counted"):
        retry_at(0, NOW)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_delivered(status: int) -> None:
    attempt = judged(claimed(3), status, None, NOW)
    assert (attempt.status, attempt.retry_at, attempt.response_status) == (
        DeliveryStatus.DELIVERED,
        None,
        status,
    )
    assert attempt.attempt == 3 and attempt.error is None


@pytest.mark.parametrize("status", [301, 302, 400, 401, 404, 429, 500, 502, 503])
def test_other_answers_are_tried_again(status: int) -> None:
    attempt = judged(claimed(2), status, "busy", NOW)
    assert attempt.status is DeliveryStatus.PENDING
    assert attempt.retry_at == NOW + timedelta(seconds=30)
    assert attempt.error == f"HTTP {status}: busy"


def test_no_answer_is_tried_again_and_the_eighth_failure_is_dead() -> None:
    timed_out = judged(claimed(1), None, "no answer within 15 s", NOW)
    assert (timed_out.status, timed_out.retry_at) == (
        DeliveryStatus.PENDING,
        NOW + timedelta(seconds=5),
    )
    assert timed_out.response_status is None and timed_out.error == "no answer within 15 s"
    dead = judged(claimed(8), 500, None, NOW)
    assert (dead.status, dead.retry_at, dead.error) == (DeliveryStatus.FAILED, None, "HTTP 500")


def test_410_gone_is_dead_at_once() -> None:
    gone = judged(claimed(1), 410, "unsubscribed", NOW)
    assert (gone.status, gone.retry_at, gone.response_status) == (DeliveryStatus.FAILED, None, 410)


def test_a_long_error_is_cut() -> None:
    assert len(judged(claimed(1), 500, "x" * 5000, NOW).error or "") == 500
