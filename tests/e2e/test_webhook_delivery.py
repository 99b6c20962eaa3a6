"""Webhooks delivered to a real receiver on 127.0.0.1, on every record (memory, SQLite,
PostgreSQL): signed so that ``standardwebhooks`` verifies them, per order in feed order,
retried after 500s on a fake clock, disabled by a 410, and sent again with the same webhook-id
after a worker died between the POST and recording its outcome."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.events import EventCursor
from flashsale.orders.domain.order import OrderStatus
from flashsale.record.sql_store import SqlStore
from flashsale.webhooks.domain.delivery import DeliveryStatus
from flashsale.webhooks.domain.subscription import Subscription
from tests.contract.record_world import band, customer, order, payment_for, sale
from tests.e2e import backends
from tests.e2e.conftest import ADMIN
from tests.e2e.webhook_receiver import Receiver, receiver

shop = backends.shop
postgres_url = backends.postgres_url
__all__ = ["postgres_url", "receiver", "shop"]


@pytest.fixture
def clock() -> ManualClock:
    # Near the real time: a receiver refuses a signature more than 5 minutes off its clock.
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


async def sale_world(shop: Shop) -> None:
    await shop.store.add_markets([Market("ES", "España", "EUR", "es_ES")])
    await shop.store.add_product(band())
    await shop.store.add_customers([customer(n) for n in range(1, 4)])
    await shop.store.add_sale(sale())


async def subscribed(
    shop: Shop, receiver: Receiver, events: list[str] | None = None
) -> Subscription:
    return await shop.webhooks.create(receiver.url, events or ["*"])


async def deliver(shop: Shop) -> None:
    """One round of the worker: fan out what is new, deliver what is due."""
    await settled(shop)
    await shop.webhook_worker.dispatcher.dispatch()
    await shop.webhook_worker.deliverer.deliver_due()


async def settled(shop: Shop) -> None:
    """Wait until the feed shows every event stored. On PostgreSQL it shows only what is below
    the oldest transaction running anywhere on the server, and other test runs share it."""
    async with asyncio.timeout(60):
        while True:
            stored = await shop.store.read_order_events(EventCursor(), 1000)
            if len(stored.events) == await events_written(shop):
                return
            await asyncio.sleep(0.05)


async def events_written(shop: Shop) -> int:
    if not isinstance(shop.store, SqlStore):
        return len((await shop.store.read_order_events(EventCursor(), 1000)).events)
    async with shop.store.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM order_events")) or 0)


async def test_events_arrive_signed_in_order_per_order(
    shop: Shop, receiver: Receiver, clock: ManualClock
) -> None:
    await sale_world(shop)
    hook = await subscribed(shop, receiver)
    now = clock.now()
    first, second, third = (order(f"ord_{n}", n, created_at=now) for n in (1, 2, 3))
    await shop.store.insert_orders([first, second, third])
    await shop.store.mark_paid([payment_for(first, now + timedelta(seconds=1))])
    await shop.store.close_orders(["ord_2"], OrderStatus.CANCELLED, now + timedelta(seconds=2))
    await deliver(shop)

    stories: dict[str, list[str]] = {}
    for got in receiver.received:
        body = got.verified(hook.secret)
        data = body["data"]
        assert isinstance(data, dict)
        assert data["id"] == got.webhook_id and body["type"] == data["type"]
        assert got.headers["content-type"] == "application/json"
        stories.setdefault(str(data["order_id"]), []).append(str(body["type"]))
    assert stories == {
        "ord_1": ["order.reserved", "order.paid"],
        "ord_2": ["order.reserved", "order.cancelled"],
        "ord_3": ["order.reserved"],
    }
    assert len(set(receiver.ids())) == 5
    listed = await shop.webhooks.deliveries(hook.id)
    assert {d.status for d in listed} == {DeliveryStatus.DELIVERED}
    await deliver(shop)
    assert len(receiver.received) == 5  # nothing sent twice


async def test_500s_are_retried_on_the_schedule_with_the_same_webhook_id(
    shop: Shop, receiver: Receiver, clock: ManualClock
) -> None:
    await sale_world(shop)
    hook = await subscribed(shop, receiver, ["order.reserved", "order.paid"])
    failures = [500, 500]
    receiver.answer = lambda got: failures[0] if failures and got.body else 204
    now = clock.now()
    first = order("ord_1", 1, created_at=now)
    await shop.store.insert_orders([first])
    await shop.store.mark_paid([payment_for(first, now)])

    await deliver(shop)  # attempt 1: 500; the order's paid event waits behind it
    assert len(receiver.received) == 1
    failures.pop()
    clock.advance(4)
    await deliver(shop)
    assert len(receiver.received) == 1  # due after 5 s, not 4
    clock.advance(1)
    await deliver(shop)  # attempt 2: 500 again, next in 30 s
    failures.pop()
    clock.advance(30)
    await deliver(shop)  # attempt 3 taken, then the paid event at once
    reserved_id = receiver.ids()[0]
    assert receiver.ids()[:3] == [reserved_id] * 3
    assert [r.verified(hook.secret)["type"] for r in receiver.received] == [
        "order.reserved",
        "order.reserved",
        "order.reserved",
        "order.paid",
    ]
    by_kind = {d.kind: d for d in await shop.webhooks.deliveries(hook.id)}
    paid, reserved = by_kind["order.paid"], by_kind["order.reserved"]
    assert (reserved.status, reserved.attempts, reserved.last_status) == (
        DeliveryStatus.DELIVERED,
        3,
        204,
    )
    assert paid.status is DeliveryStatus.DELIVERED


async def test_a_receiver_down_for_good_is_dead_lettered_then_retried_by_hand(
    shop: Shop, receiver: Receiver, clock: ManualClock
) -> None:
    await sale_world(shop)
    hook = await subscribed(shop, receiver)
    receiver.answer = lambda got: 503
    await shop.store.insert_orders([order("ord_1", 1, created_at=clock.now())])
    for wait in (0, 5, 30, 120, 600, 3600, 6 * 3600, 24 * 3600):
        clock.advance(wait)
        await deliver(shop)
    assert len(receiver.received) == 8 and len(set(receiver.ids())) == 1
    (dead,) = await shop.webhooks.deliveries(hook.id, DeliveryStatus.FAILED)
    assert (dead.attempts, dead.last_status, dead.next_attempt_at) == (8, 503, None)
    assert dead.last_error is not None and dead.last_error.startswith("HTTP 503")
    clock.advance(24 * 3600)
    await deliver(shop)
    assert len(receiver.received) == 8  # dead: not tried again by itself

    receiver.answer = lambda got: 204
    clock.set(datetime.now(UTC))  # the receiver checks the signature's age
    retried = await shop.webhooks.retry(hook.id, dead.id)
    assert (retried.status, retried.attempts) == (DeliveryStatus.PENDING, 0)
    await deliver(shop)
    assert receiver.ids()[-1] == dead.event_id
    receiver.received[-1].verified(hook.secret)
    (done,) = await shop.webhooks.deliveries(hook.id)
    assert done.status is DeliveryStatus.DELIVERED


async def test_410_gone_disables_the_webhook(
    shop: Shop, receiver: Receiver, clock: ManualClock
) -> None:
    await sale_world(shop)
    hook = await subscribed(shop, receiver)
    receiver.answer = lambda got: 410
    await shop.store.insert_orders([order("ord_1", 1, created_at=clock.now())])
    await deliver(shop)
    gone = await shop.webhooks.find(hook.id)
    assert not gone.active and gone.disabled_reason == "the receiver answered 410 Gone"
    (dead,) = await shop.webhooks.deliveries(hook.id)
    assert (dead.status, dead.attempts) == (DeliveryStatus.FAILED, 1)
    # Disabled: later events are not fanned out to it, nothing more is sent.
    clock.advance(1)
    await shop.store.insert_orders([order("ord_2", 2, created_at=clock.now())])
    clock.advance(3600)
    await deliver(shop)
    assert len(receiver.received) == 1
    assert len(await shop.webhooks.deliveries(hook.id)) == 1


async def test_a_worker_killed_mid_delivery_loses_nothing(
    shop: Shop, receiver: Receiver, clock: ManualClock
) -> None:
    await sale_world(shop)
    hook = await subscribed(shop, receiver)
    await shop.store.insert_orders([order("ord_1", 1, created_at=clock.now())])
    await settled(shop)
    await shop.webhook_worker.dispatcher.dispatch()
    receiver.hold = asyncio.Event()
    worker = asyncio.create_task(shop.webhook_worker.deliverer.deliver_due())
    await asyncio.wait_for(receiver.hold.wait(), 10)  # the POST is at the receiver
    worker.cancel()  # killed before it learnt the answer, let alone recorded it
    with pytest.raises(asyncio.CancelledError):
        await worker
    receiver.release.set()
    receiver.hold = None
    (leased,) = await shop.webhooks.deliveries(hook.id)
    assert (leased.status, leased.attempts) == (DeliveryStatus.PENDING, 1)

    await shop.webhook_worker.deliverer.deliver_due()
    assert len(receiver.received) == 1  # leased: no other deliverer takes it yet
    clock.advance(121)  # the lease ran out
    await shop.webhook_worker.deliverer.deliver_due()
    first, again = receiver.received
    assert first.webhook_id == again.webhook_id and first.body == again.body
    again.verified(hook.secret)
    (done,) = await shop.webhooks.deliveries(hook.id)
    assert (done.status, done.attempts) == (DeliveryStatus.DELIVERED, 2)


async def test_the_servers_own_worker_delivers(
    shop: Shop, receiver: Receiver, clock: ManualClock
) -> None:
    """Served (the app's lifespan starts the shop), the embedded default needs no worker."""
    await sale_world(shop)
    app = create_app(shop)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            made = await client.post(
                "/api/v1/admin/webhooks", headers=ADMIN, json={"url": receiver.url, "events": ["*"]}
            )
            assert made.status_code == 201, made.text
        await shop.store.insert_orders([order("ord_1", 1, created_at=clock.now())])
        await asyncio.wait_for(receiver.arrived.wait(), 60)
    (got,) = receiver.received
    assert got.verified(made.json()["secret"])["type"] == "order.reserved"
