"""``Publisher`` on RabbitMQ (aio-pika), with publisher confirms.

Each event goes to a durable topic exchange, persistent, with ``message_id`` = the event's id,
``type`` and routing key = the event's type, ``content_type`` application/json. RabbitMQ keeps
no memory of message ids, so a batch published again arrives again: consumers dedupe by
``message_id``. It drops a message no queue is bound for: bind queues before relaying.

A batch is pipelined on one channel, whose publishes take its lock in the order they are made
(nothing in aiormq's ``basic_publish`` waits before that lock), so RabbitMQ receives, and routes
to each queue, the batch in order; then every confirm is awaited. The connection is not the
robust kind, which would publish the rest of a batch over a new connection after the ones lost
with the old one: a failure closes it, and the next batch opens a new one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

from flashsale.relay.domain.messages import RelayMessage
from flashsale.relay.domain.targets import AmqpTarget
from flashsale.relay.ports import PublishFailed

log = logging.getLogger(__name__)


class AmqpPublisher:
    def __init__(
        self, target: AmqpTarget, *, confirm_timeout: float = 10.0, connect_timeout: float = 5.0
    ) -> None:
        self._target = target
        self._confirm_timeout = confirm_timeout
        self._connect_timeout = connect_timeout
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    async def connect(self) -> None:
        await self._declared()

    async def _declared(self) -> AbstractExchange:
        if self._exchange is not None and self._open(self._connection, self._channel):
            return self._exchange
        await self.close()
        try:
            connection = await aio_pika.connect(
                self._target.connection_url,
                timeout=self._connect_timeout,
                client_properties={"connection_name": "flashsale relay"},
            )
        except Exception as exc:
            raise PublishFailed(f"{self._target.destination}: {_reason(exc)}") from exc
        try:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.declare_exchange(
                self._target.exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
        except Exception as exc:
            await connection.close()
            raise PublishFailed(f"{self._target.describe()}: {_reason(exc)}") from exc
        self._connection, self._channel, self._exchange = connection, channel, exchange
        return exchange

    @staticmethod
    def _open(connection: AbstractConnection | None, channel: AbstractChannel | None) -> bool:
        return (
            connection is not None
            and not connection.is_closed
            and channel is not None
            and not channel.is_closed
        )

    async def publish(self, messages: Sequence[RelayMessage]) -> None:
        if not messages:
            return
        exchange = await self._declared()
        confirms = [
            asyncio.ensure_future(
                exchange.publish(_message(message), routing_key=message.topic, mandatory=False)
            )
            for message in messages
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*confirms), self._confirm_timeout)
        except Exception as exc:
            for confirm in confirms:
                confirm.cancel()
            await asyncio.gather(*confirms, return_exceptions=True)
            await self.close()
            raise PublishFailed(f"{self._target.describe()}: {_reason(exc)}") from exc

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        self._channel = self._exchange = None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except Exception as exc:  # closing what already broke
                log.debug("closing the AMQP connection: %r", exc)


def _message(message: RelayMessage) -> aio_pika.Message:
    return aio_pika.Message(
        message.body,
        message_id=message.id,
        type=message.topic,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        app_id="flashsale",
    )


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
