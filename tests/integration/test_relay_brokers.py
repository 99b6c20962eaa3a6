"""The relay against the real brokers: NATS JetStream (FLASHSALE_TEST_NATS_URL) and RabbitMQ
(FLASHSALE_TEST_AMQP_URL). A feed of a few hundred events is published and consumed back: every
event once, in feed order, its id as the message id; a batch published again after a crash is
dropped by JetStream (Nats-Msg-Id) and arrives again on RabbitMQ with the same message_id.

Every test publishes to a stream or exchange of its own, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aio_pika
import nats
import orjson
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.events import EventCursor
from flashsale.orders.service.events import OrderEvents
from flashsale.platform.local_leadership import LocalLeadership
from flashsale.record.memory_store import MemoryStore
from flashsale.relay.adapters.amqp_publisher import AmqpPublisher
from flashsale.relay.adapters.nats_publisher import NatsPublisher
from flashsale.relay.domain.messages import RelayMessage
from flashsale.relay.domain.targets import AmqpTarget, NatsTarget, parse_target
from flashsale.relay.ports import Publisher, PublishFailed
from flashsale.relay.service.relay import Relay
from tests.contract.record_world import T0
from tests.unit.relay.fakes import feed_of, first_copies

ORDERS = 150  # 150 reservations, 50 payments, 50 expiries: 250 events
BATCH = 64  # pages that do not divide the feed: the last one is short
DEADLINE = 60.0  # generous: a consumer waits this long for what it expects


class Crashing(MemoryStore):
    """The record of a relay process killed between the broker's acknowledgement and storing
    its cursor, the first ``crashes`` times it tries."""

    crashes = 0

    async def move_relay_cursor(
        self, name: str, expected: str | None, cursor: str, at: datetime
    ) -> bool:
        if self.crashes:
            self.crashes -= 1
            raise RuntimeError("killed before storing the cursor")
        return await super().move_relay_cursor(name, expected, cursor, at)


def relay_of(store: MemoryStore, publisher: Publisher) -> Relay:
    return Relay(
        "test",
        OrderEvents(store),
        store,
        publisher,
        LocalLeadership(),
        ManualClock(T0),
        batch=BATCH,
    )


async def relay_all(relay: Relay) -> None:
    while await relay.step():
        pass


async def payloads(store: MemoryStore) -> list[dict[str, Any]]:
    page = await store.read_order_events(EventCursor(), 1000)
    return [event.payload() for event in page.events]


# NATS JetStream


@pytest.fixture
async def nats_target(nats_server_url: str) -> AsyncIterator[NatsTarget]:
    unique = uuid.uuid4().hex[:10]
    target = parse_target(f"{nats_server_url}/relaytest.{unique}?stream=RELAYTEST_{unique}")
    assert isinstance(target, NatsTarget)
    yield target
    client = await nats.connect(nats_server_url)
    try:
        await client.jetstream().delete_stream(target.stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


async def jetstream_messages(target: NatsTarget, server_url: str, count: int) -> list[Msg]:
    """Everything the stream holds, read from its start by a pull consumer of the test's own,
    waiting for ``count`` messages, then for anything after them."""
    client = await nats.connect(server_url)
    try:
        js = client.jetstream()
        reader = await js.pull_subscribe(target.subjects, stream=target.stream)
        found: list[Msg] = []
        deadline = time.monotonic() + DEADLINE
        while len(found) < count and time.monotonic() < deadline:
            found += await _fetch(reader, 100, wait=1.0)
        found += await _fetch(reader, 100, wait=0.5)  # nothing more is there
        for message in found:
            await message.ack()
        return found
    finally:
        await client.close()


async def _fetch(reader: JetStreamContext.PullSubscription, batch: int, wait: float) -> list[Msg]:
    try:
        return await reader.fetch(batch, timeout=wait)
    except (TimeoutError, nats.errors.TimeoutError):
        return []


@pytest.mark.nats
async def test_jetstream_receives_the_feed_once_in_order_with_event_ids(
    nats_target: NatsTarget, nats_server_url: str
) -> None:
    store = MemoryStore()
    feed = await feed_of(store, ORDERS)
    assert len(feed) == 250
    publisher = NatsPublisher(nats_target)
    try:
        await relay_all(relay_of(store, publisher))
    finally:
        await publisher.close()
    received = await jetstream_messages(nats_target, nats_server_url, len(feed))
    assert [m.headers and m.headers["Nats-Msg-Id"] for m in received] == feed
    expected = await payloads(store)
    assert [orjson.loads(m.data) for m in received] == expected
    assert [m.subject for m in received] == [
        f"{nats_target.subject_prefix}.{p['type']}" for p in expected
    ]


@pytest.mark.nats
async def test_jetstream_drops_the_batch_published_again_after_a_crash(
    nats_target: NatsTarget, nats_server_url: str
) -> None:
    store = Crashing()
    feed = await feed_of(store, ORDERS)
    publisher = NatsPublisher(nats_target)
    try:
        relay = relay_of(store, publisher)
        assert await relay.step() == BATCH
        store.crashes = 1
        with pytest.raises(RuntimeError, match="killed"):
            await relay.step()  # the second batch is stored by JetStream, not its cursor
        await relay_all(relay_of(store, publisher))  # the process started again
    finally:
        await publisher.close()
    received = await jetstream_messages(nats_target, nats_server_url, len(feed))
    assert [m.headers and m.headers["Nats-Msg-Id"] for m in received] == feed


@pytest.mark.nats
async def test_a_message_jetstream_refuses_mid_batch_stops_the_rest_of_it(
    nats_target: NatsTarget, nats_server_url: str
) -> None:
    """Without the fence, the messages after a refused one would be stored, and the retry would
    store the refused one after them."""
    client = await nats.connect(nats_server_url)
    config = StreamConfig(
        name=nats_target.stream, subjects=[nats_target.subjects], max_msg_size=1000
    )
    try:
        js = client.jetstream()
        await js.add_stream(config)
        batch = [RelayMessage(f"evt_{n:012d}", "order.paid", b"{}") for n in range(1, 11)]
        batch[4] = RelayMessage(batch[4].id, "order.paid", b'"' + b"x" * 2000 + b'"')
        publisher = NatsPublisher(nats_target)
        try:
            with pytest.raises(PublishFailed):
                await publisher.publish(batch)
            held = await jetstream_messages(nats_target, nats_server_url, 4)
            assert [m.headers and m.headers["Nats-Msg-Id"] for m in held] == [
                m.id for m in batch[:4]
            ]
            config.max_msg_size = -1
            await js.update_stream(config)  # the operator lifts the limit
            await publisher.publish(batch)
        finally:
            await publisher.close()
        stored = await jetstream_messages(nats_target, nats_server_url, len(batch))
        assert [m.headers and m.headers["Nats-Msg-Id"] for m in stored] == [m.id for m in batch]
    finally:
        await client.close()


@pytest.mark.nats
async def test_a_stream_that_does_not_take_the_subjects_fails_the_batch_at_once(
    nats_target: NatsTarget, nats_server_url: str
) -> None:
    client = await nats.connect(nats_server_url)
    try:
        other = f"{nats_target.subject_prefix}-elsewhere.>"
        await client.jetstream().add_stream(name=nats_target.stream, subjects=[other])
    finally:
        await client.close()
    publisher = NatsPublisher(nats_target, ack_timeout=DEADLINE)
    began = time.monotonic()
    try:
        with pytest.raises(PublishFailed, match="no responders"):
            await publisher.publish([RelayMessage("evt_000000000001", "order.paid", b"{}")])
    finally:
        await publisher.close()
    assert time.monotonic() - began < DEADLINE  # answered, not timed out


async def test_an_unreachable_broker_is_a_failure_to_publish_naming_it() -> None:
    for url in ("nats://127.0.0.1:1/x", "amqp://guest:guest@127.0.0.1:1/"):
        target = parse_target(url)
        publisher: Publisher = (
            NatsPublisher(target, connect_timeout=2)
            if isinstance(target, NatsTarget)
            else AmqpPublisher(target, connect_timeout=2)
        )
        with pytest.raises(PublishFailed, match=r"127\.0\.0\.1:1\b"):
            await publisher.publish([RelayMessage("evt_000000000001", "order.paid", b"{}")])
        await publisher.close()


# RabbitMQ


@pytest.fixture
async def amqp_channel(amqp_server_url: str) -> AsyncIterator[AbstractChannel]:
    connection = await aio_pika.connect(amqp_server_url)
    try:
        yield await connection.channel()
    finally:
        await connection.close()


@pytest.fixture
async def amqp_queue(
    amqp_server_url: str, amqp_channel: AbstractChannel
) -> AsyncIterator[tuple[AmqpTarget, AbstractQueue]]:
    """The relay's exchange, and a consumer's queue bound to it before the relay publishes
    (RabbitMQ drops what no queue is bound for)."""
    unique = uuid.uuid4().hex[:10]
    target = parse_target(f"{amqp_server_url}?exchange=relaytest.{unique}")
    assert isinstance(target, AmqpTarget)
    exchange = await amqp_channel.declare_exchange(
        target.exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await amqp_channel.declare_queue(f"relaytest.{unique}", durable=True)
    await queue.bind(exchange, "order.#")
    try:
        yield target, queue
    finally:
        await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()


async def queued(queue: AbstractQueue, count: int) -> list[AbstractIncomingMessage]:
    """The queue's messages: ``count`` of them, waited for, then anything after them."""
    found: list[AbstractIncomingMessage] = []
    deadline = time.monotonic() + DEADLINE
    quiet_until = None
    while time.monotonic() < deadline:
        message = await queue.get(no_ack=True, fail=False, timeout=5)
        if message is not None:
            found.append(message)
            continue
        if len(found) >= count:
            if quiet_until is None:
                quiet_until = time.monotonic() + 0.5  # nothing more is there
            elif time.monotonic() > quiet_until:
                return found
        await asyncio.sleep(0.02)
    return found


@pytest.mark.amqp
async def test_rabbitmq_receives_the_feed_once_in_order_with_event_ids(
    amqp_queue: tuple[AmqpTarget, AbstractQueue],
) -> None:
    target, queue = amqp_queue
    store = MemoryStore()
    feed = await feed_of(store, ORDERS)
    publisher = AmqpPublisher(target)
    try:
        await relay_all(relay_of(store, publisher))
    finally:
        await publisher.close()
    received = await queued(queue, len(feed))
    assert [m.message_id for m in received] == feed
    expected = await payloads(store)
    assert [orjson.loads(m.body) for m in received] == expected
    assert [(m.routing_key, m.type) for m in received] == [(p["type"], p["type"]) for p in expected]
    assert {m.content_type for m in received} == {"application/json"}
    assert {m.delivery_mode for m in received} == {aio_pika.DeliveryMode.PERSISTENT}


@pytest.mark.amqp
async def test_rabbitmq_delivers_the_batch_again_after_a_crash_with_the_same_ids(
    amqp_queue: tuple[AmqpTarget, AbstractQueue],
) -> None:
    target, queue = amqp_queue
    store = Crashing()
    feed = await feed_of(store, ORDERS)
    publisher = AmqpPublisher(target)
    try:
        relay = relay_of(store, publisher)
        assert await relay.step() == BATCH
        store.crashes = 1
        with pytest.raises(RuntimeError, match="killed"):
            await relay.step()
        await relay_all(relay_of(store, publisher))
    finally:
        await publisher.close()
    received = [m.message_id for m in await queued(queue, len(feed) + BATCH)]
    second_batch = feed[BATCH : 2 * BATCH]
    # At least once: the second batch twice, each copy whole and in order; deduping by
    # message_id gives the feed.
    assert received == feed[: 2 * BATCH] + second_batch + feed[2 * BATCH :]
    assert first_copies([i for i in received if i is not None]) == feed
