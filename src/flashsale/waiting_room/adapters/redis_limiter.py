"""Token buckets of each sale in Redis, shared by every API process.

A sale's buckets live in its cluster slot, under ``fsrl:{<sale_id>}:<key>`` (keys
``c:<customer>``, ``a:<address>``, ``r:<address>`` for the registration cap), beside its room
and its gate's bucket 0: the room state's scripts take tokens from the same keys in the same
call as the join or read they guard (``redis_state``). A call's limits travel once, as a table,
and each request names its buckets' limits by one character each (``lua/lib/take.lua``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeAlias, TypeVar

from flashsale.kernel.batching import Batcher
from flashsale.kernel.rate_limit import Bucket
from flashsale.kernel.token_bucket import Limit
from flashsale.platform.redis.client import AnyRedis, ScriptCall, run_script_calls
from flashsale.waiting_room.adapters.redis_scripts import connect_redis, register

RATE_KEY_PREFIX = "fsrl:"


def rate_key(sale_id: str, key: str) -> str:
    """A sale's token bucket, in the sale's slot (beside its room and its gate's bucket 0)."""
    return f"{RATE_KEY_PREFIX}{{{sale_id}}}:{key}"


@functools.lru_cache(maxsize=64)
def _limit_args(limit: Limit) -> tuple[str, str]:
    return repr(limit.rate), repr(limit.burst)


# A spec character is chr(48 + n) for the table's n-th limit: one ASCII byte, never "0" (none).
_MAX_LIMITS = 78


class CallBuilder:
    """One script call of one sale: KEYS, the head of ARGV, the call's limit table, then the
    requests' arguments, which name their limits by one character each (lua/lib/take.lua)."""

    def __init__(self, keys: list[str], head: list[str | int]) -> None:
        self.keys = keys
        self.args: list[str | int] = []
        self.items: list[int] = []  # the batch's indexes this call answers, in order
        self._head = head
        self._codes: dict[Limit, str] = {}
        self._table: list[str] = []

    def fits(self, limits: Sequence[Limit]) -> bool:
        if len(self._codes) + len(limits) <= _MAX_LIMITS:
            return True
        return len(self._codes) + len(set(limits) - self._codes.keys()) <= _MAX_LIMITS

    def code(self, limit: Limit) -> str:
        code = self._codes.get(limit)
        if code is None:
            code = self._codes[limit] = chr(49 + len(self._codes))
            self._table += _limit_args(limit)
        return code

    def buckets(self, sale_id: str, buckets: Sequence[Bucket]) -> str:
        """Adds the buckets' keys; returns the characters of their limits."""
        self.keys += [rate_key(sale_id, key) for key, _ in buckets]
        return "".join([self.code(limit) for _, limit in buckets])

    def call(self) -> ScriptCall:
        return self.keys, [*self._head, len(self._codes), *self._table, *self.args]


_K = TypeVar("_K")


def build_calls(
    groups: dict[_K, list[int]],
    start: Callable[[_K], CallBuilder],
    limits_of: Callable[[int], Sequence[Limit]],
    add: Callable[[CallBuilder, int], None],
) -> list[CallBuilder]:
    """One call per group, or more when a group's requests name more limits than a table holds."""
    builders = []
    for group, indexes in groups.items():
        builder = start(group)
        builders.append(builder)
        for index in indexes:
            if not builder.fits(limits_of(index)):
                builder = start(group)
                builders.append(builder)
            add(builder, index)
            builder.items.append(index)
    return builders


_Acquire: TypeAlias = tuple[str, int, Sequence[Bucket]]  # sale, now_ms, buckets


class RedisRateLimiter:
    def __init__(self, redis: AnyRedis, *, owns_connection: bool = True) -> None:
        self._redis = redis
        self._owns = owns_connection
        self._script = register(redis, "acquire", "take")
        self._batcher: Batcher[_Acquire, int] = Batcher(self._acquire_batch)

    @classmethod
    async def connect(cls, url: str) -> RedisRateLimiter:
        return cls(await connect_redis(url))

    async def acquire(self, sale_id: str, buckets: Sequence[Bucket], now_ms: int) -> int:
        return await self._batcher.submit((sale_id, now_ms, buckets))

    async def _acquire_batch(self, items: Sequence[_Acquire]) -> list[int]:
        # One script call per sale (its slot), all in one round trip (per cluster node).
        groups: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            groups[item[0]].append(index)

        def start(sale_id: str) -> CallBuilder:
            return CallBuilder([], [max(items[i][1] for i in groups[sale_id])])

        def add(builder: CallBuilder, index: int) -> None:
            sale_id, _, buckets = items[index]
            builder.args.append(builder.buckets(sale_id, buckets))

        builders = build_calls(groups, start, lambda i: [lim for _, lim in items[i][2]], add)
        replies = await run_script_calls(self._redis, self._script, [b.call() for b in builders])
        waits = [0] * len(items)
        for builder, reply in zip(builders, replies, strict=True):
            for index, wait in zip(builder.items, reply, strict=True):
                waits[index] = int(wait)
        return waits

    async def close(self) -> None:
        await self._batcher.wait_idle()
        if self._owns:
            await self._redis.aclose()
