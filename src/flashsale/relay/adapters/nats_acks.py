"""JetStream's answers to the messages a relay publishes, awaited message by message.

Each message names a reply subject under a private inbox, and JetStream answers there once it
has stored the message (or dropped it as a duplicate), or refused it. One subscription takes
every answer of a connection; a future per message in flight waits for its own.
nats-py's ``publish_async`` does the same, but an error answer never resolves its future
(2.16 raises the error inside its reply handler), so a refused message would wait out the
timeout and be reported as one.
"""

from __future__ import annotations

import asyncio
import itertools

import orjson
from nats.aio.msg import Msg

from flashsale.relay.ports import PublishFailed

_NO_RESPONDERS = "503"  # the server's status when no stream listens on the subject


class PubAcks:
    def __init__(self, inbox: str) -> None:
        self.inbox = inbox  # subscribe to f"{inbox}.*" with ``answer`` as the callback
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._sent = itertools.count()

    def expect(self) -> tuple[str, asyncio.Future[None]]:
        """A reply subject for the next message, and the future its answer resolves."""
        reply = f"{self.inbox}.{next(self._sent)}"
        answer: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[reply] = answer
        return reply, answer

    def abandon(self) -> None:
        """Stop waiting for every answer still to come."""
        waiting, self._waiting = self._waiting, {}
        for answer in waiting.values():
            answer.cancel()

    async def answer(self, msg: Msg) -> None:
        waiting = self._waiting.pop(msg.subject, None)
        if waiting is None or waiting.done():
            return
        refusal = refusal_of(msg)
        if refusal is None:
            waiting.set_result(None)
        else:
            waiting.set_exception(PublishFailed(refusal))


def refusal_of(msg: Msg) -> str | None:
    """None for a PubAck (stored, or dropped as a duplicate); else why it was refused."""
    if msg.headers and msg.headers.get("Status") == _NO_RESPONDERS:
        return "no stream takes the subject (no responders)"
    try:
        answer = orjson.loads(msg.data)
    except orjson.JSONDecodeError:
        return f"an answer that is no PubAck: {msg.data[:80]!r}"
    if not isinstance(answer, dict):
        return f"an answer that is no PubAck: {msg.data[:80]!r}"
    error = answer.get("error")
    if error is None:
        return None
    if isinstance(error, dict):
        return f"{error.get('description', 'refused')} (JetStream error {error.get('err_code')})"
    return f"refused: {error!r}"
