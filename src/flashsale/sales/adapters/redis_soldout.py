"""Sold-out known to every process at once: a local flag per sale fed by Redis pub/sub.

Each bucket's scripts publish when the bucket runs dry or gets units back (with the bucket's
``epoch``, bumped on every such transition) and every reply carries the same pair. A process
believes a sale sold out when it knows every bucket dry; then late purchases are refused without a
round trip. The flag is a hint that can only cost a round trip, never give a wrong answer for
longer than a message takes to arrive:

- a bucket's newest epoch wins, so a reply and a message arriving out of order cannot resurrect
  an old "dry";
- nothing is believed without a live subscription; everything is forgotten when it drops and
  again when it is confirmed (redis-py re-subscribes by itself after a lost connection, and
  what was published in between is lost), and replies to calls sent before the current
  subscription began are ignored;
- a belief older than ``ttl`` seconds is re-checked by letting a purchase through (a message
  lost between cluster nodes costs at most that long).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis

from flashsale.platform.redis.client import AnyRedis, subscriber_for
from flashsale.platform.redis.sale_keys import STOCK_EVENTS_CHANNEL

log = logging.getLogger(__name__)

Connect = Callable[[int], Awaitable[Redis]]  # attempt number -> a client to subscribe with
NOT_LIVE = -1


@dataclass(slots=True)
class _Bucket:
    epoch: int
    dry: bool
    seen_at: float


@dataclass(slots=True)
class _Sale:
    buckets: dict[int, _Bucket] = field(default_factory=dict)
    window: tuple[int, int] | None = None  # opens_at, closes_at in epoch µs


class SoldOutBoard:
    def __init__(self, connect: Connect, *, ttl: float = 1.0, retry_seconds: float = 0.5) -> None:
        self._connect = connect
        self._ttl = ttl
        self._retry_seconds = retry_seconds
        self._sales: dict[str, _Sale] = {}
        self._session = NOT_LIVE
        self._sessions = 0
        self._task: asyncio.Task[None] | None = None
        self.live = asyncio.Event()

    @classmethod
    def subscribed(cls, url: str, client: AnyRedis, *, ttl: float = 1.0) -> SoldOutBoard:
        """A started board hearing the Redis at ``url`` (``client``: its nodes, for a cluster)."""
        board = cls(lambda attempt: subscriber_for(url, client, attempt), ttl=ttl)
        board.start()
        return board

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen())

    @property
    def session(self) -> int:
        """Pass to ``note`` with what a call sent now answers; NOT_LIVE when not subscribed."""
        return self._session

    def note(self, session: int, sale_id: str, bucket: int, epoch: int, stock: int) -> None:
        if session == NOT_LIVE or session != self._session:
            return
        self._learn(sale_id, bucket, epoch, dry=stock <= 0)

    def note_window(self, sale_id: str, opens_at_us: int, closes_at_us: int) -> None:
        self._sales.setdefault(sale_id, _Sale()).window = (opens_at_us, closes_at_us)

    def forget(self, sale_id: str) -> None:
        known = self._sales.get(sale_id)
        if known is not None:
            known.buckets.clear()

    def sold_out(self, sale_id: str, buckets: int, now_us: int) -> bool:
        """True when every bucket is known dry, recently, and the sale is open at ``now_us``."""
        known = self._sales.get(sale_id)
        if self._session == NOT_LIVE or known is None or known.window is None:
            return False
        opens_at, closes_at = known.window
        if not opens_at <= now_us < closes_at or len(known.buckets) < buckets:
            return False
        fresh_after = time.monotonic() - self._ttl
        return all(
            (state := known.buckets.get(bucket)) is not None
            and state.dry
            and state.seen_at > fresh_after
            for bucket in range(buckets)
        )

    def _learn(self, sale_id: str, bucket: int, epoch: int, *, dry: bool) -> None:
        known = self._sales.setdefault(sale_id, _Sale())
        state = known.buckets.get(bucket)
        if state is None or epoch >= state.epoch:
            known.buckets[bucket] = _Bucket(epoch, dry, time.monotonic())

    def _on_message(self, data: bytes | str) -> None:
        text = data.decode() if isinstance(data, bytes) else data
        try:
            sale_id, bucket, epoch, has_units = text.rsplit("|", 3)
            self._learn(sale_id, int(bucket), int(epoch), dry=has_units == "0")
        except ValueError:
            log.warning("ignored a malformed stock event %r", text)

    def _drop(self) -> None:
        self._session = NOT_LIVE
        self.live.clear()
        for known in self._sales.values():
            known.buckets.clear()

    async def _listen(self) -> None:
        attempt = 0
        while True:
            client: Redis | None = None
            try:
                client = await self._connect(attempt)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(STOCK_EVENTS_CHANNEL)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":
                            # Also after redis-py reconnected by itself: what was published
                            # while the connection was down is lost, so start from nothing.
                            self._drop()
                            self._sessions += 1
                            self._session = self._sessions
                            self.live.set()
                            attempt = 0
                        elif message["type"] == "message":
                            self._on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: forget, and subscribe again
                log.info("stock events subscription lost: %s", exc)
            finally:
                self._drop()
                if client is not None:
                    with contextlib.suppress(Exception):
                        await client.aclose()
            attempt += 1
            await asyncio.sleep(self._retry_seconds)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._drop()
