"""Building a sale's buckets in the Redis gate, and registering customers in them.

A load gives every bucket of the sale one new generation (from the sale's generation key, under
the loading lock) and swaps each bucket in with one script (install.lua), bucket 0 last.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from redis.exceptions import ResponseError

from flashsale.platform.redis.client import UNREACHABLE
from flashsale.platform.redis.sale_keys import SaleKeys, home_bucket, split_stock
from flashsale.sales.adapters.redis_base import RedisGateBase
from flashsale.sales.adapters.redis_scripts import take_args, to_epoch_us
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import GateUnavailable

_CHUNK = 10_000  # members per SADD/HSET: large enough to amortise, small enough not to stall
_CHUNKS_PER_ROUND_TRIP = 10
_SCRATCH_TTL_SECONDS = 3600  # a load that dies half-way leaves nothing behind for long
_LOCK_MS = 30_000  # a loader that dies frees the sale after this long
_LOCK_POLL_SECONDS = 0.01
_GENERATION_TTL_SECONDS = 7 * 24 * 3600  # a sale's key outlives its rebuilds, not the sale


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class GateLoading(RedisGateBase):
    async def load(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> None:
        await self._install(sale, held_by_customer, registered, only_if_absent=False)

    async def load_if_absent(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> bool:
        """Load unless some process already has; True when this call loaded the sale.

        Processes sharing the gate must not replace a live sale: units another process took but
        has not stored yet are in the gate only, and a reload from the store would sell them again.
        """
        return await self._install(sale, held_by_customer, registered, only_if_absent=True)

    async def _install(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
        *,
        only_if_absent: bool,
    ) -> bool:
        """Build every bucket under the sale's loading lock, bucket 0 last, in a new generation.

        The lock makes loads of one sale take turns, so "if absent" is decided once; each bucket
        is swapped in by one script, so a taker sees a bucket's old state or its new one.
        """
        try:
            return await self._install_locked(
                sale, held_by_customer, registered, only_if_absent=only_if_absent
            )
        except UNREACHABLE as exc:
            raise GateUnavailable(f"the stock gate did not answer: {exc}") from exc
        except ResponseError as exc:
            if "FSINCOMPLETE" not in str(exc):
                raise
            # The scratch keys vanished under the load (a flush, a node lost): ask again.
            raise GateUnavailable(f"the gate's load was interrupted: {exc}") from exc

    async def _install_locked(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
        *,
        only_if_absent: bool,
    ) -> bool:
        lock = SaleKeys.of(sale.id).loading
        token = uuid.uuid4().hex
        await self._acquire(lock, token)
        try:
            if only_if_absent and all(await self._presence(sale.id)):
                return False
            generation = int(
                await self._generation_script(
                    keys=[SaleKeys.of(sale.id).generation], args=[_GENERATION_TTL_SECONDS]
                )
            )
            held = {customer: units for customer, units in held_by_customer.items() if units > 0}
            held_in = [dict[str, int]() for _ in range(self._buckets)]
            for customer, units in held.items():
                held_in[home_bucket(customer, self._buckets)][customer] = units
            members_in = [set[str]() for _ in range(self._buckets)]
            for customer in set(registered):
                members_in[home_bucket(customer, self._buckets)].add(customer)
            stock_in = split_stock(sale.stock_total - sum(held.values()), self._buckets)
            for bucket in reversed(range(self._buckets)):
                await self._install_bucket(
                    sale, bucket, generation, stock_in[bucket], held_in[bucket], members_in[bucket]
                )
            return True
        finally:
            await self._release_script(keys=[lock], args=[token])

    async def _acquire(self, lock: str, token: str) -> None:
        deadline = time.monotonic() + 2 * _LOCK_MS / 1000
        while not await self._redis.set(lock, token, nx=True, px=_LOCK_MS):
            if time.monotonic() > deadline:
                raise TimeoutError(f"another process holds {lock} for too long")
            await asyncio.sleep(_LOCK_POLL_SECONDS)

    async def _install_bucket(
        self,
        sale: FlashSale,
        bucket: int,
        generation: int,
        stock: int,
        held: dict[str, int],
        members: set[str],
    ) -> None:
        keys = SaleKeys.of(sale.id, bucket)
        scratch_held, scratch_reg = keys.scratch(uuid.uuid4().hex)
        try:
            await self._fill(scratch_held, scratch_reg, held, members)
            await self._install_script(
                keys=[*keys.all, scratch_held, scratch_reg],
                args=[
                    to_epoch_us(sale.opens_at),
                    to_epoch_us(sale.closes_at),
                    sale.per_customer_limit,
                    sale.stock_total,
                    stock,
                    len(held),
                    len(members),
                    "replace",
                    *take_args(self._buckets, sale.id, bucket),
                    generation,
                ],
            )
        finally:
            await self._redis.unlink(scratch_held, scratch_reg)

    async def _fill(
        self, held_key: str, reg_key: str, held: Mapping[str, int], members: set[str]
    ) -> None:
        commands = [
            *((held_key, "hash", chunk) for chunk in _chunks(held.items(), _CHUNK)),
            *((reg_key, "set", chunk) for chunk in _chunks(members, _CHUNK)),
        ]
        for round_trip in _chunks(commands, _CHUNKS_PER_ROUND_TRIP):
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, kind, chunk in round_trip:
                    if kind == "hash":
                        pipe.hset(key, mapping=dict(chunk))
                    else:
                        pipe.sadd(key, *chunk)
                    pipe.expire(key, _SCRATCH_TTL_SECONDS)
                await pipe.execute()

    async def _presence(self, sale_id: str) -> list[bool]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys in self._keys(sale_id):
                pipe.exists(keys.meta)
            return [bool(found) for found in await pipe.execute()]

    async def is_loaded(self, sale_id: str) -> bool:
        """True when every bucket is there.

        A sale missing only some buckets (a cluster node restarted empty) is cleared whole, under
        the loading lock, before this answers False: buckets left selling while the record is
        read would sell again the units the rebuild puts back.
        """
        present = await self._presence(sale_id)
        if all(present):
            return True
        if any(present):
            lock, token = SaleKeys.of(sale_id).loading, uuid.uuid4().hex
            if await self._redis.set(lock, token, nx=True, px=_LOCK_MS):
                try:
                    for keys in self._keys(sale_id):
                        await self._redis.unlink(*keys.all)
                finally:
                    await self._release_script(keys=[lock], args=[token])
        return False

    async def register(self, sale_id: str, customer_ids: Sequence[str]) -> None:
        by_bucket: dict[int, list[str]] = {}
        for customer in customer_ids:
            by_bucket.setdefault(home_bucket(customer, self._buckets), []).append(customer)
        commands = [
            (SaleKeys.of(sale_id, bucket).reg, chunk)
            for bucket, members in by_bucket.items()
            for chunk in _chunks(members, _CHUNK)
        ]
        for round_trip in _chunks(commands, _CHUNKS_PER_ROUND_TRIP):
            async with self._redis.pipeline(transaction=False) as pipe:
                for reg, chunk in round_trip:
                    pipe.sadd(reg, *chunk)
                await pipe.execute()
