"""The relay's loop on a fake broker: every event once and in order to a consumer that dedupes by
id, the cursor moved only after the broker's acknowledgement, a failed batch published again
whole with the same ids, and one relay per name."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime

import orjson
import pytest

from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.events import EventCursor
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.service.events import OrderEvents
from flashsale.platform.local_leadership import LocalLeadership
from flashsale.record.memory_store import MemoryStore
from flashsale.relay.domain.messages import message_of
from flashsale.relay.ports import PublishFailed
from flashsale.relay.service.relay import CursorMoved, Relay, RelayTiming
from tests.contract.record_world import T0
from tests.unit.relay.fakes import (
    FakeBroker,
    RecordingWatcher,
    SwitchedLeadership,
    feed_of,
    first_copies,
)

NAME = "warehouse"
QUICK = RelayTiming(
    poll_seconds=0.01, standby_seconds=0.01, first_retry_seconds=0.01, max_retry_seconds=0.02
)
DEADLINE = 30.0  # generous: only a broken relay takes anywhere near this


def relay_on(
    store: MemoryStore,
    broker: FakeBroker,
    *,
    batch: int = 10,
    leadership: SwitchedLeadership | LocalLeadership | None = None,
    watcher: RecordingWatcher | None = None,
) -> Relay:
    return Relay(
        NAME,
        OrderEvents(store),
        store,
        broker,
        leadership or LocalLeadership(),
        ManualClock(T0),
        batch=batch,
        timing=QUICK,
        watcher=watcher,
    )


async def until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.005)
    pytest.fail(f"waited {DEADLINE:g} s for {what}")


async def test_each_step_publishes_a_page_in_feed_order_then_moves_the_cursor() -> None:
    store, broker = MemoryStore(), FakeBroker()
    feed = await feed_of(store, 20)  # 20 reservations, 7 payments, 7 expiries
    assert len(feed) == 34
    relay = relay_on(store, broker)
    assert [await relay.step() for _ in range(5)] == [10, 10, 10, 4, 0]
    assert broker.ids == feed
    assert broker.batches == [feed[0:10], feed[10:20], feed[20:30], feed[30:]]
    stored = await store.relay_cursor(NAME)
    assert stored is not None and EventCursor.parse(stored).seq == 34
    assert relay.progress.published == 34 and relay.progress.last_event_id == feed[-1]


async def test_a_message_is_its_events_id_type_and_payload() -> None:
    store = MemoryStore()
    await feed_of(store, 3)
    page = await OrderEvents(store).read(None, 10)
    paid = next(e for e in page.events if e.kind.value == "order.paid")
    message = message_of(paid)
    assert (message.id, message.topic) == (paid.id, "order.paid")
    assert orjson.loads(message.body) == paid.payload()


async def test_the_cursor_moves_only_once_the_broker_has_acknowledged_the_batch() -> None:
    store, broker = MemoryStore(), FakeBroker(hold=asyncio.Event())
    feed = await feed_of(store, 5)
    relay = relay_on(store, broker)
    stepping = asyncio.create_task(relay.step())
    await until(broker.handed.is_set, "the batch to reach the broker")
    assert await store.relay_cursor(NAME) is None  # handed over, not acknowledged: not moved
    assert broker.hold is not None
    broker.hold.set()
    assert await stepping == len(feed)
    stored = await store.relay_cursor(NAME)
    assert stored is not None and EventCursor.parse(stored).seq == len(feed)


async def test_a_batch_failing_midway_is_published_again_whole_with_the_same_ids() -> None:
    store = MemoryStore()
    feed = await feed_of(store, 20)
    broker = FakeBroker()
    relay = relay_on(store, broker)
    assert await relay.step() == 10
    before = await store.relay_cursor(NAME)
    broker.fail_after = [4]
    with pytest.raises(PublishFailed):
        await relay.step()
    assert await store.relay_cursor(NAME) == before  # not moved past the unacknowledged batch
    assert await relay.step() == 10
    assert broker.batches[1] == broker.batches[2] == feed[10:20]
    # The broker saw the first four twice; a consumer deduping by id loses nothing, in order.
    assert broker.ids == feed[:14] + feed[10:20]
    while await relay.step():
        pass
    assert first_copies(broker.ids) == feed


async def test_running_it_retries_through_failures_and_reaches_the_end_in_order() -> None:
    store = MemoryStore()
    feed = await feed_of(store, 60)
    broker = FakeBroker(fail_after=[3, 0, 9])
    watcher = RecordingWatcher()
    relay = relay_on(store, broker, batch=7, watcher=watcher)
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    await until(lambda: len(watcher.idle_at) > 0, "the relay to catch up")
    stopping.set()
    progress = await asyncio.wait_for(running, DEADLINE)
    assert first_copies(broker.ids) == feed
    assert progress.published == len(feed) == watcher.idle_at[0]
    assert len(watcher.failures) == 3 and "went away" in watcher.failures[0]
    assert broker.connects == 1


class DiesBeforeStoringTheCursor(MemoryStore):
    """The record of a process killed between the broker's acknowledgement and storing the
    cursor, until ``dying`` is turned off (the process started again)."""

    dying = True

    async def move_relay_cursor(
        self, name: str, expected: str | None, cursor: str, at: datetime
    ) -> bool:
        if self.dying:
            raise RuntimeError("killed")
        return await super().move_relay_cursor(name, expected, cursor, at)


async def test_a_crash_before_the_cursor_is_stored_publishes_that_batch_again() -> None:
    store = DiesBeforeStoringTheCursor()
    feed = await feed_of(store, 12)
    broker = FakeBroker()
    with pytest.raises(RuntimeError, match="killed"):
        await relay_on(store, broker).step()
    assert broker.ids == feed[:10] and await store.relay_cursor(NAME) is None
    store.dying = False
    restarted = relay_on(store, broker)
    while await restarted.step():
        pass
    assert broker.batches[0] == broker.batches[1] == feed[:10]  # again, with the same ids
    assert first_copies(broker.ids) == feed


async def test_two_relays_of_one_name_never_move_the_cursor_back_nor_skip() -> None:
    store = MemoryStore()
    feed = await feed_of(store, 30)
    broker = FakeBroker()
    first, second = relay_on(store, broker), relay_on(store, broker)
    assert await first.step() == 10
    assert await second.step() == 10  # read the stored cursor: the next page
    with pytest.raises(CursorMoved):
        await first.step()  # its page was the second's: published again, cursor kept
    assert await first.step() == 10  # re-read the cursor, so the third page
    assert broker.batches == [feed[0:10], feed[10:20], feed[10:20], feed[20:30]]
    for _ in range(len(feed)):  # taking turns, each losing some races, till both are done
        for relay in (second, first):
            with contextlib.suppress(CursorMoved):
                await relay.step()
    assert first_copies(broker.ids) == feed
    stored = await store.relay_cursor(NAME)
    assert stored is not None and EventCursor.parse(stored).seq == len(feed)


async def test_a_relay_that_does_not_lead_stands_by_and_publishes_nothing() -> None:
    store = MemoryStore()
    feed = await feed_of(store, 5)
    broker, watcher = FakeBroker(), RecordingWatcher()
    leadership = SwitchedLeadership(leading=False)
    relay = relay_on(store, broker, leadership=leadership, watcher=watcher)
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    await until(lambda: watcher.standing_by_roles, "the relay to stand by")
    await asyncio.sleep(0.05)
    assert broker.batches == [] and broker.connects == 0
    leadership.leading = True
    await until(lambda: watcher.idle_at, "the relay to take over and catch up")
    stopping.set()
    await asyncio.wait_for(running, DEADLINE)
    assert broker.ids == feed
    assert watcher.standing_by_roles == ["relay:warehouse"]


async def test_a_new_relay_begins_at_the_feeds_start_or_end_and_then_resumes() -> None:
    store = MemoryStore()
    feed = await feed_of(store, 8)
    from_start = relay_on(store, FakeBroker())
    assert await from_start.begin(from_now=False) == ("0-0", False)
    assert await from_start.begin(from_now=True) == ("0-0", True)  # stored: it resumes
    later = Relay(
        "pipeline",
        OrderEvents(store),
        store,
        FakeBroker(),
        LocalLeadership(),
        ManualClock(T0),
        batch=3,
    )
    cursor, resumed = await later.begin(from_now=True)
    assert not resumed and EventCursor.parse(cursor).seq == len(feed)
    assert await later.step() == 0
    await store.close_orders(["ord_0003"], OrderStatus.CANCELLED, T0)
    assert await later.step() == 1


def test_a_batch_is_one_to_a_page_of_the_feed() -> None:
    with pytest.raises(ValueError, match="batch"):
        relay_on(MemoryStore(), FakeBroker(), batch=1001)
