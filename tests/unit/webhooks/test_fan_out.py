"""The dispatcher: every event of the feed fanned out once, to the subscriptions that want it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import orjson

from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.service.events import OrderEvents
from flashsale.record.memory_store import MemoryStore
from flashsale.webhooks.domain.subscription import Subscription
from flashsale.webhooks.service.dispatcher import Dispatcher
from tests.contract.record_world import T0, order, payment_for, world


class Follower:
    async def leads(self, role: str) -> bool:
        return False

    async def close(self) -> None:
        return None


class Leader(Follower):
    async def leads(self, role: str) -> bool:
        return True


def hook(
    n: int, events: tuple[str, ...] = ("*",), since: timedelta = -timedelta(hours=1)
) -> Subscription:
    at = T0 + since
    return Subscription(f"whk_{n}", f"https://h{n}.example/", events, "whsec_x", True, at, at)


def dispatcher(store: MemoryStore, page: int = 1000) -> Dispatcher:
    return Dispatcher(OrderEvents(store), store, ManualClock(T0), Leader(), page=page)


async def story(store: MemoryStore) -> None:
    await world(store)
    first, second = order("ord_1", 1), order("ord_2", 2)
    await store.insert_orders([first, second])
    await store.mark_paid([payment_for(first, T0 + timedelta(seconds=5))])
    await store.close_orders(["ord_2"], OrderStatus.CANCELLED, T0 + timedelta(seconds=6))


async def test_each_event_goes_to_each_subscription_that_wants_it() -> None:
    store = MemoryStore()
    await story(store)
    await store.add_webhook(hook(1))
    await store.add_webhook(hook(2, ("order.paid",)))
    await store.add_webhook(hook(3, since=timedelta(seconds=1)))  # made after the reservations
    fanned = await dispatcher(store, page=3).dispatch()
    assert (fanned.events, fanned.deliveries) == (4, 4 + 1 + 2)
    every = {
        s: [(d.kind, d.order_id) for d in reversed(await store.webhook_deliveries(s, 100))]
        for s in ("whk_1", "whk_2", "whk_3")
    }
    assert sorted(every["whk_1"]) == sorted(
        [
            ("order.reserved", "ord_1"),
            ("order.reserved", "ord_2"),
            ("order.paid", "ord_1"),
            ("order.cancelled", "ord_2"),
        ]
    )
    assert every["whk_2"] == [("order.paid", "ord_1")]
    assert sorted(every["whk_3"]) == [("order.cancelled", "ord_2"), ("order.paid", "ord_1")]
    # Nothing twice: the cursor moved past all four.
    assert await dispatcher(store).dispatch() == type(fanned)()
    (paid,) = await store.webhook_deliveries("whk_2", 10)
    body = orjson.loads(paid.body)
    assert body["type"] == "order.paid" and body["timestamp"] == "2025-11-23T10:00:05.123456Z"
    assert body["data"]["id"] == paid.event_id and body["data"]["order_id"] == "ord_1"
    assert body["data"]["data"] == {"payment_id": "pay_ord_1"}
    assert body["data"]["order"]["amount"] == "999.00"


async def test_a_feed_nobody_subscribed_to_is_read_past() -> None:
    store = MemoryStore()
    await story(store)
    fanned = await dispatcher(store).dispatch()
    assert (fanned.events, fanned.deliveries) == (4, 0)
    await store.add_webhook(hook(1))
    assert (await dispatcher(store).dispatch()).deliveries == 0  # the history is not sent


async def test_a_process_that_does_not_lead_reads_nothing() -> None:
    store = MemoryStore()
    await story(store)
    await store.add_webhook(hook(1))
    standby = Dispatcher(OrderEvents(store), store, ManualClock(T0), Follower())
    assert (await standby.dispatch()).events == 0
    assert await store.webhook_deliveries("whk_1", 10) == []


async def test_dispatchers_running_at_once_fan_each_event_out_once() -> None:
    store = MemoryStore()
    await story(store)
    await store.add_webhook(hook(1))
    await asyncio.gather(*(dispatcher(store, page=1).dispatch() for _ in range(4)))
    ids = [d.event_id for d in await store.webhook_deliveries("whk_1", 100)]
    assert len(ids) == len(set(ids)) == 4


async def test_a_yielding_dispatcher_fans_out_only_so_many_events_a_round() -> None:
    store = MemoryStore()
    await story(store)
    await store.add_webhook(hook(1))
    first = await dispatcher(store, page=1000).dispatch(most=3)
    assert (first.events, first.deliveries) == (3, 3)
    rest = await dispatcher(store, page=2).dispatch(most=100)
    assert (rest.events, rest.deliveries) == (1, 1)


async def test_a_dispatcher_told_to_stop_ends_after_its_page() -> None:
    store = MemoryStore()
    await story(store)
    await store.add_webhook(hook(1))
    first = await dispatcher(store, page=1).dispatch(keep_going=lambda: False)
    assert first.events == 1
