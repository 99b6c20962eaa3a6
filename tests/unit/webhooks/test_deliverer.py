"""The deliverer on the memory record with a scripted receiver: signed, judged, recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook

from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.events import EventCursor
from flashsale.record.memory_store import MemoryStore
from flashsale.webhooks.domain.delivery import Delivery, DeliveryStatus
from flashsale.webhooks.domain.secret import new_secret
from flashsale.webhooks.domain.subscription import Subscription
from flashsale.webhooks.ports import WebhookRequest, WebhookResponse
from flashsale.webhooks.service.deliverer import Deliverer
from tests.unit.webhooks.fakes import FakeSender

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
SECRET = new_secret()


def hook(n: int) -> Subscription:
    return Subscription(f"whk_{n}", f"https://h{n}.example/", ("*",), SECRET, True, NOW, NOW)


def delivery(seq: int, order: str, webhook: int = 1) -> Delivery:
    return Delivery(
        f"dlv_{seq}_{webhook}", f"whk_{webhook}", f"evt_{seq:012d}", EventCursor(0, seq), order,
        "order.paid", b'{"n":%d}' % seq, DeliveryStatus.PENDING, NOW, next_attempt_at=NOW,
    )  # fmt: skip


async def recorded(*deliveries: Delivery, webhooks: int = 1) -> MemoryStore:
    store = MemoryStore()
    for n in range(1, webhooks + 1):
        await store.add_webhook(hook(n))
    assert await store.fan_out_webhook_deliveries(deliveries, EventCursor(), EventCursor(0, 99))
    return store


def answering(statuses: dict[str, list[int]]) -> FakeSender:
    """Each event id answered with its statuses in turn, then 204."""

    def answer(request: WebhookRequest) -> WebhookResponse:
        queue = statuses.get(request.headers["webhook-id"], [])
        return WebhookResponse(queue.pop(0) if queue else 204, "nope" if queue else None)

    return FakeSender(answer)


def ids(requests: Sequence[WebhookRequest]) -> list[str]:
    return [r.headers["webhook-id"] for r in requests]


async def test_deliveries_are_signed_and_recorded_delivered() -> None:
    store = await recorded(delivery(1, "ord_a"), delivery(2, "ord_b"))
    sender = FakeSender()
    done = await Deliverer(store, sender, ManualClock(NOW), batch=10, lanes=2).deliver_due()
    assert (done.delivered, done.retrying, done.failed) == (2, 0, 0)
    assert sorted(ids(sender.sent)) == ["evt_000000000001", "evt_000000000002"]
    for request in sender.sent:
        assert request.url == "https://h1.example/"
        # The package's own signature of the same id, time and body: verify() would also
        # compare the time with the wall clock, which a fake clock is not.
        headers = request.headers
        stamped = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
        assert stamped == NOW
        expected = Webhook(SECRET).sign(headers["webhook-id"], stamped, request.body)
        assert headers["webhook-signature"] == expected
    stored = await store.webhook_delivery("dlv_1_1")
    assert stored is not None and stored.status is DeliveryStatus.DELIVERED
    assert (stored.delivered_at, stored.last_status, stored.attempts) == (NOW, 204, 1)


async def test_a_failure_waits_for_its_retry_and_holds_its_orders_later_events() -> None:
    store = await recorded(delivery(1, "ord_a"), delivery(2, "ord_a"), delivery(3, "ord_b"))
    clock = ManualClock(NOW)
    sender = answering({"evt_000000000001": [500, 503]})
    deliverer = Deliverer(store, sender, clock, batch=10, lanes=1)
    first = await deliverer.deliver_due()
    assert (first.delivered, first.retrying) == (1, 1)
    assert ids(sender.sent) == ["evt_000000000001", "evt_000000000003"]
    clock.advance(4.9)
    assert (await deliverer.deliver_due()).delivered == 0  # not yet: 5 s
    clock.advance(0.1)
    await deliverer.deliver_due()  # 503: 30 s more
    clock.advance(30)
    await deliverer.deliver_due()
    # The same event three times, then (only then) the order's next one.
    assert ids(sender.sent)[2:] == ["evt_000000000001", "evt_000000000001", "evt_000000000002"]
    bodies = {r.headers["webhook-id"]: r.body for r in sender.sent}
    assert bodies["evt_000000000001"] == b'{"n":1}'
    stored = await store.webhook_delivery("dlv_1_1")
    assert stored is not None and (stored.status, stored.attempts) == (DeliveryStatus.DELIVERED, 3)


async def test_410_disables_the_subscription_and_its_other_deliveries_wait() -> None:
    store = await recorded(
        delivery(1, "ord_a"), delivery(2, "ord_b"), delivery(3, "ord_c", webhook=2), webhooks=2
    )

    def answer(request: WebhookRequest) -> WebhookResponse:
        gone = request.headers["webhook-id"] == "evt_000000000001"
        return WebhookResponse(410 if gone else 204)

    sender = FakeSender(answer)
    deliverer = Deliverer(store, sender, ManualClock(NOW), batch=1, lanes=1)
    await deliverer.deliver_due()
    # Batches of one: once the webhook is gone its event 2 is not sent; the other's is.
    assert ids(sender.sent) == ["evt_000000000001", "evt_000000000003"]
    disabled = await store.webhook("whk_1")
    assert disabled is not None and not disabled.active
    assert disabled.disabled_reason == "the receiver answered 410 Gone"
    dead = await store.webhook_delivery("dlv_1_1")
    assert dead is not None and (dead.status, dead.last_status) == (DeliveryStatus.FAILED, 410)
    waiting = await store.webhook_delivery("dlv_2_1")
    assert waiting is not None and waiting.status is DeliveryStatus.PENDING
    other = await store.webhook_delivery("dlv_3_2")
    assert other is not None and other.status is DeliveryStatus.DELIVERED


async def test_a_delivery_of_a_removed_subscription_is_dropped_unsent() -> None:
    store = await recorded(delivery(1, "ord_a"))
    clock = ManualClock(NOW)
    claimed = await store.claim_webhook_deliveries(NOW, NOW + timedelta(minutes=2), 10)
    await store.delete_webhook("whk_1")
    sender = FakeSender()
    done = await Deliverer(store, sender, clock).deliver(claimed)
    assert sender.sent == [] and done.delivered == 0


async def test_a_yielding_deliverer_sends_one_small_batch() -> None:
    store = await recorded(*(delivery(n, f"ord_{n}") for n in range(1, 6)))
    sender = FakeSender()
    deliverer = Deliverer(store, sender, ManualClock(NOW), batch=100, lanes=2)
    assert (await deliverer.deliver_some(2)).delivered == 2
    assert len(sender.sent) == 2
    assert (await deliverer.deliver_due()).delivered == 3


async def test_a_deliverer_told_to_stop_claims_nothing_more() -> None:
    store = await recorded(*(delivery(n, f"ord_{n}") for n in range(1, 6)))
    asked = iter([True, False])
    deliverer = Deliverer(store, FakeSender(), ManualClock(NOW), batch=2, lanes=1)
    assert (await deliverer.deliver_due(keep_going=lambda: next(asked))).delivered == 2
