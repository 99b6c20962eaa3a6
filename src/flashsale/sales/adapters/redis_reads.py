"""What the Redis gate holds, read without a script: pipelined reads over a sale's buckets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.sales.adapters.redis_base import RedisGateBase
from flashsale.sales.ports import GateLevel


@dataclass(frozen=True, slots=True)
class GateSnapshot:
    """What the gate holds for a sale, summed over its buckets (for ``flashsale gate check``)."""

    stock_left: int
    held: dict[str, int] = field(default_factory=dict)
    registered: int = 0
    generations: tuple[int | None, ...] = ()  # per bucket: they differ only if a load died


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class GateReads(RedisGateBase):
    async def generations(self, sale_ids: Sequence[str]) -> list[int | None]:
        """Bucket 0's generation: a load installs it last, so all buckets have it (or newer)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for sale_id in sale_ids:
                pipe.hget(SaleKeys.of(sale_id).meta, "generation")
            values = await pipe.execute()
        return [None if value is None else int(value) for value in values]

    async def levels(self, sale_ids: Sequence[str]) -> list[GateLevel | None]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for sale_id in sale_ids:
                pipe.hget(SaleKeys.of(sale_id).meta, "generation")
                for keys in self._keys(sale_id):
                    pipe.get(keys.stock)
            values = await pipe.execute()
        levels: list[GateLevel | None] = []
        step = 1 + self._buckets
        for start in range(0, len(values), step):
            generation, *stocks = values[start : start + step]
            if generation is None or any(stock is None for stock in stocks):
                levels.append(None)
            else:
                levels.append(GateLevel(sum(int(s) for s in stocks), int(generation)))
        return levels

    async def holds(self, sale_id: str) -> dict[str, int] | None:
        snapshot = await self.snapshot(sale_id)
        return None if snapshot is None else snapshot.held

    async def stock_left(self, sale_id: str) -> int | None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys in self._keys(sale_id):
                pipe.get(keys.stock)
            values = await pipe.execute()
        if any(value is None for value in values):
            return None
        return sum(int(value) for value in values)

    async def snapshot(self, sale_id: str) -> GateSnapshot | None:
        """Units left, who holds how many and how many registered, over every bucket."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys in self._keys(sale_id):
                pipe.get(keys.stock)
                pipe.hgetall(keys.held)
                pipe.scard(keys.reg)
                pipe.hget(keys.meta, "generation")
            values = await pipe.execute()
        stocks, helds, counts, generations = (values[i::4] for i in range(4))
        if any(value is None for value in stocks):
            return None
        held: dict[str, int] = {}
        for bucket_held in helds:
            for customer, units in bucket_held.items():
                if int(units):
                    held[_text(customer)] = held.get(_text(customer), 0) + int(units)
        return GateSnapshot(
            sum(int(s) for s in stocks),
            held,
            sum(int(c) for c in counts),
            tuple(None if g is None else int(g) for g in generations),
        )
