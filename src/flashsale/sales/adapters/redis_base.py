"""What every part of the Redis stock gate shares: the client, the scripts, the bucket count and
the sold-out board, and the one way to run a script over many buckets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from redis.commands.core import AsyncScript

from flashsale.platform.redis.client import AnyRedis, run_script_calls
from flashsale.platform.redis.sale_keys import STOCK_EVENTS_CHANNEL, SaleKeys
from flashsale.sales.adapters import redis_scripts
from flashsale.sales.adapters.redis_soldout import NOT_LIVE, SoldOutBoard
from flashsale.sales.domain.purchase import PurchaseRequest, Refusal


@dataclass(frozen=True, slots=True)
class Unloaded:
    sale_id: str


Outcome: TypeAlias = Refusal | Unloaded | int  # an int: taken, under this generation
Item: TypeAlias = tuple[PurchaseRequest, int]  # with the caller's now in epoch µs
Call: TypeAlias = tuple[list[str], list[str | int]]  # one script call: keys, args


class RedisGateBase:
    def __init__(
        self, redis: AnyRedis, *, buckets: int = 1, board: SoldOutBoard | None = None
    ) -> None:
        """``buckets`` splits each sale's stock over that many cluster slots; every process
        sharing the gate must use the same number. ``board`` refuses purchases of a sale known
        sold out without a round trip."""
        if buckets < 1:
            raise ValueError("a sale needs at least one stock bucket")
        self._redis = redis
        self._buckets = buckets
        self.board = board
        self._take_script: AsyncScript = redis.register_script(redis_scripts.TAKE)
        self._spill_script: AsyncScript = redis.register_script(redis_scripts.SPILL)
        self._give_back_script: AsyncScript = redis.register_script(redis_scripts.GIVE_BACK)
        self._adjust_script: AsyncScript = redis.register_script(redis_scripts.ADJUST)
        self._install_script: AsyncScript = redis.register_script(redis_scripts.INSTALL)
        self._generation_script: AsyncScript = redis.register_script(redis_scripts.NEXT_GENERATION)
        self._release_script: AsyncScript = redis.register_script(redis_scripts.RELEASE_LOCK)

    @property
    def buckets(self) -> int:
        return self._buckets

    def _keys(self, sale_id: str) -> list[SaleKeys]:
        return [SaleKeys.of(sale_id, bucket) for bucket in range(self._buckets)]

    def _note(
        self,
        session: int,
        sale_id: str,
        bucket: int,
        epoch: int,
        stock: int,
        window: tuple[int, int] | None = None,
    ) -> None:
        """Tell the board what a reply said of a bucket (``session``: when the call was sent)."""
        if self.board is not None:
            if window is not None:
                self.board.note_window(sale_id, *window)
            self.board.note(session, sale_id, bucket, epoch, stock)

    async def _run(self, script: AsyncScript, calls: Sequence[Call]) -> list[Any]:
        return await run_script_calls(self._redis, script, calls)

    async def _give_back_groups(
        self, groups: dict[tuple[str, int], list[str | int]], session: int
    ) -> None:
        """Run give_back.lua once per (sale, bucket), with that bucket's returns, in one go."""
        calls: list[Call] = []
        for (sale_id, bucket), returns in groups.items():
            keys = SaleKeys.of(sale_id, bucket)
            args: list[str | int] = [sale_id, bucket, STOCK_EVENTS_CHANNEL, *returns]
            calls.append(([keys.meta, keys.stock, keys.held], args))
        replies = await self._run(self._give_back_script, calls)
        for (sale_id, bucket), reply in zip(groups, replies, strict=True):
            if reply[0] != redis_scripts.NOT_LOADED:
                self._note(session, sale_id, bucket, reply[1], reply[2])

    def _session(self) -> int:
        return NOT_LIVE if self.board is None else self.board.session
