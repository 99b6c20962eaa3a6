"""``Publisher`` on NATS JetStream (nats-py).

Each message carries ``Nats-Msg-Id`` = the event's id, so that JetStream drops a message it
stored within its duplicate window (a batch published again after a crash or a failure).

A batch is pipelined: every message is written in order without waiting for the one before,
then every PubAck is awaited (``nats_acks.py``). Pipelining alone could store a batch with a
hole (one message refused or lost, the ones after it stored), and the retry would fill the hole
after its successors. So each message but the first also says ``Nats-Expected-Last-Msg-Id`` =
the message before it: after a hole, JetStream refuses everything that follows, and the retry
stores the rest in order (JetStream looks for a duplicate before it checks that expectation, so
the messages already stored are only dropped). The fence assumes the relay is the only
publisher to its stream, as in the stream it creates.

The client never reconnects by itself: it would send messages written before a disconnection
after the ones that failed with it. A failure closes the connection instead, and the next batch
opens a new one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import Header, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from flashsale.relay.adapters.nats_acks import PubAcks
from flashsale.relay.domain.messages import RelayMessage
from flashsale.relay.domain.targets import NatsTarget
from flashsale.relay.ports import PublishFailed

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 120.0  # JetStream's own default, stated: how late a copy is dropped


class NatsPublisher:
    def __init__(
        self, target: NatsTarget, *, ack_timeout: float = 10.0, connect_timeout: int = 5
    ) -> None:
        self._target = target
        self._ack_timeout = ack_timeout
        self._connect_timeout = connect_timeout
        self._client: Client | None = None
        self._acks: PubAcks | None = None

    async def connect(self) -> None:
        await self._connected()

    async def _connected(self) -> tuple[Client, PubAcks]:
        if self._client is not None and self._acks is not None and self._client.is_connected:
            return self._client, self._acks
        await self.close()
        try:
            client = await nats.connect(
                self._target.server_url,
                name="flashsale relay",
                allow_reconnect=False,
                connect_timeout=self._connect_timeout,
                # Even a first connection is retried every reconnect_time_wait, up to this many
                # times: the relay's own retries are enough.
                max_reconnect_attempts=1,
                reconnect_time_wait=0.5,
                error_cb=_quietly,
            )
        except Exception as exc:
            raise PublishFailed(f"{self._target.destination}: {_reason(exc)}") from exc
        try:
            await self._ensure_stream(client.jetstream(timeout=self._ack_timeout))
            acks = PubAcks(client.new_inbox())
            await client.subscribe(f"{acks.inbox}.*", cb=acks.answer)
        except Exception as exc:
            await client.close()
            raise PublishFailed(f"{self._target.describe()}: {_reason(exc)}") from exc
        self._client, self._acks = client, acks
        return client, acks

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            await js.stream_info(self._target.stream)
        except NotFoundError:
            # Two relays creating it at once both succeed: the configurations are equal.
            await js.add_stream(
                StreamConfig(
                    name=self._target.stream,
                    subjects=[self._target.subjects],
                    storage=StorageType.FILE,
                    duplicate_window=DUPLICATE_WINDOW_SECONDS,
                )
            )

    async def publish(self, messages: Sequence[RelayMessage]) -> None:
        if not messages:
            return
        client, acks = await self._connected()
        answers: list[asyncio.Future[None]] = []
        try:
            previous: RelayMessage | None = None
            for message in messages:  # each publish is written before the next one is made
                reply, answer = acks.expect()
                answers.append(answer)
                await client.publish(
                    self._target.subject(message.topic),
                    message.body,
                    reply=reply,
                    headers=self._headers(message, previous),
                )
                previous = message
            await asyncio.wait_for(asyncio.gather(*answers), self._ack_timeout)
        except Exception as exc:
            acks.abandon()
            await self.close()
            raise PublishFailed(f"{self._target.describe()}: {_reason(exc)}") from exc

    def _headers(self, message: RelayMessage, previous: RelayMessage | None) -> dict[str, str]:
        headers = {
            Header.MSG_ID.value: message.id,
            # Refused, rather than stored elsewhere, if the subject is not the stream's.
            Header.EXPECTED_STREAM.value: self._target.stream,
        }
        if previous is not None:
            headers[Header.EXPECTED_LAST_MSG_ID.value] = previous.id
        return headers

    async def close(self) -> None:
        client, self._client, self._acks = self._client, None, None
        if client is not None and not client.is_closed:
            try:
                await client.close()
            except Exception as exc:  # closing what already broke
                log.debug("closing the NATS connection: %r", exc)


async def _quietly(exc: Exception) -> None:
    # The failure reaches the relay through the publish it broke; the client's own report
    # would only repeat it.
    log.debug("NATS client: %r", exc)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
