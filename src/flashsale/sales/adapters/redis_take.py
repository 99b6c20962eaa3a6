"""Purchases through the Redis gate: the purchase path, one script call per home bucket.

Single purchases from concurrent callers are coalesced: while one round trip is in flight the
next callers queue, and leave together in one script call per bucket (a pipeline: one round trip
per cluster node). With the sold-out board on, a sale known dry in every bucket is refused
without a round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flashsale.kernel.batching import Batcher
from flashsale.platform.redis.client import UNREACHABLE, AnyRedis
from flashsale.platform.redis.sale_keys import SaleKeys, home_bucket
from flashsale.sales.adapters.redis_base import Call, Item, Outcome, Unloaded
from flashsale.sales.adapters.redis_scripts import (
    HOME_DRY,
    NOT_LOADED,
    refusal,
    take_args,
    to_epoch_us,
)
from flashsale.sales.adapters.redis_soldout import NOT_LIVE, SoldOutBoard
from flashsale.sales.adapters.redis_walk import GateWalks, Walk
from flashsale.sales.domain.purchase import SOLD_OUT, PurchaseRequest, Refusal
from flashsale.sales.ports import GateNotLoaded, GateUnavailable

_MAX_BATCH = 512  # coalesced purchases per round trip


class GateTakes(GateWalks):
    def __init__(
        self, redis: AnyRedis, *, buckets: int = 1, board: SoldOutBoard | None = None
    ) -> None:
        super().__init__(redis, buckets=buckets, board=board)
        self._batcher: Batcher[Item, Outcome] = Batcher(self._decide, max_batch=_MAX_BATCH)

    async def take_stamped(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | int | GateNotLoaded]:
        try:
            outcomes = await self._ask(requests, now, in_order)
        except UNREACHABLE as exc:
            raise GateUnavailable(f"the stock gate did not answer: {exc}") from exc
        return [GateNotLoaded(o.sale_id) if isinstance(o, Unloaded) else o for o in outcomes]

    async def _ask(
        self, requests: Sequence[PurchaseRequest], now: datetime, in_order: bool
    ) -> list[Outcome]:
        now_us = to_epoch_us(now)
        outcomes: list[Outcome] = [SOLD_OUT] * len(requests)  # what the board answers
        asked: list[int] = []
        for index, request in enumerate(requests):
            if self.board is None or not self.board.sold_out(
                request.sale_id, self._buckets, now_us
            ):
                asked.append(index)
        items = [(requests[index], now_us) for index in asked]
        answers: list[Outcome]
        if len(items) == 1:
            answers = [await self._batcher.submit(items[0])]
        elif self._buckets == 1 or not in_order:
            answers = await self._decide(items)
        else:
            # Buckets are not one atomic unit: the caller's order is kept one by one.
            answers = [(await self._decide([item]))[0] for item in items]
        for index, answer in zip(asked, answers, strict=True):
            outcomes[index] = answer
        return outcomes

    async def _decide(self, items: Sequence[Item]) -> list[Outcome]:
        """One script call per home bucket, all in one round trip; each item carries its own now."""
        session = NOT_LIVE if self.board is None else self.board.session
        groups: dict[tuple[str, int], list[int]] = {}
        for index, (request, _) in enumerate(items):
            home = home_bucket(request.customer_id, self._buckets)
            groups.setdefault((request.sale_id, home), []).append(index)
        calls: list[Call] = []
        for (sale_id, bucket), indexes in groups.items():
            args = take_args(self._buckets, sale_id, bucket)
            for index in indexes:
                request, now_us = items[index]
                args += [request.customer_id, request.quantity, now_us]
            calls.append((SaleKeys.of(sale_id, bucket).all, args))
        replies = await self._run(self._take_script, calls)
        outcomes: list[Outcome] = [SOLD_OUT] * len(items)  # each is answered below
        walks: list[Walk] = []
        for ((sale_id, bucket), indexes), reply in zip(groups.items(), replies, strict=True):
            if reply[0] == NOT_LOADED:
                for index in indexes:
                    outcomes[index] = Unloaded(sale_id)
                continue
            _, opens_at, closes_at, limit, epoch, stock, generation = reply[:7]
            self._note(session, sale_id, bucket, epoch, stock, window=(opens_at, closes_at))
            pairs = zip(reply[7::2], reply[8::2], strict=True)
            for index, (code, extra) in zip(indexes, pairs, strict=True):
                if code == HOME_DRY:
                    walks.append(Walk(index, items[index][0], bucket, generation, extra))
                else:
                    refused = refusal(code, extra, opens_at, closes_at, limit)
                    outcomes[index] = generation if refused is None else refused
        if walks:
            await self._walk(walks, outcomes, session)
        return outcomes
