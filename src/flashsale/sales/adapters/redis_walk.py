"""Buyers whose home bucket ran dry walk a bucketed sale's other buckets for the units.

take.lua has claimed the buyer's limit in the home bucket (so two clicks cannot both pass it);
spill.lua hands out units bucket by bucket; a walk that comes back short returns what it
collected and the claim (give_back.lua). So no unit is sold twice (each bucket decrements
atomically), nobody passes the limit, and every unit taken is held or returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.platform.redis.sale_keys import STOCK_EVENTS_CHANNEL, SaleKeys
from flashsale.sales.adapters.redis_base import Call, Outcome, RedisGateBase, Unloaded
from flashsale.sales.adapters.redis_scripts import NOT_LOADED
from flashsale.sales.domain.purchase import SOLD_OUT, PurchaseRequest, insufficient


@dataclass(slots=True, eq=False)  # identity: a walk is one buyer's
class Walk:
    """A buyer whose home bucket ran dry, looking for units in the buckets."""

    index: int
    request: PurchaseRequest
    home: int
    generation: int  # the home bucket's, where the limit was claimed
    seen: int  # units the buckets visited had, summed
    collected: int = 0
    lost_bucket: bool = False

    @property
    def needs(self) -> int:
        return self.request.quantity - self.collected


class GateWalks(RedisGateBase):
    async def _walk(self, walks: list[Walk], outcomes: list[Outcome], session: int) -> None:
        """Find units for buyers whose home bucket ran dry, and answer them in ``outcomes``.

        First each other bucket in turn is asked for all the units at once, so nothing is held
        back from other buyers by a walk that ends short. Only a buyer who saw enough units in
        total, just not in one bucket, then collects them piece by piece from every bucket.
        One script call per bucket per step; a buyer leaves the walk once served.
        """
        await self._steps(walks, range(1, self._buckets), "whole", session)
        piecewise = [w for w in walks if w.needs > 0 and w.seen >= w.request.quantity]
        await self._steps(piecewise, range(self._buckets), "part", session)
        short: list[Walk] = []
        for walk in walks:
            if walk.needs > 0 or walk.lost_bucket:
                short.append(walk)
            else:
                outcomes[walk.index] = walk.generation
        if short:
            await self._return_short(short, session)
        for walk in short:
            if walk.lost_bucket:
                outcomes[walk.index] = Unloaded(walk.request.sale_id)
            elif walk in piecewise:
                left = walk.collected
                outcomes[walk.index] = SOLD_OUT if not left else insufficient(left)
            else:
                outcomes[walk.index] = SOLD_OUT if not walk.seen else insufficient(walk.seen)

    async def _steps(self, walks: list[Walk], steps: range, mode: str, session: int) -> None:
        walking = [walk for walk in walks if not walk.lost_bucket]
        for step in steps:
            if not walking:
                return
            groups: dict[tuple[str, int], list[Walk]] = {}
            for walk in walking:
                bucket = (walk.home + step) % self._buckets
                groups.setdefault((walk.request.sale_id, bucket), []).append(walk)
            calls: list[Call] = []
            for (sale_id, bucket), group in groups.items():
                keys = SaleKeys.of(sale_id, bucket)
                args: list[str | int] = [sale_id, bucket, STOCK_EVENTS_CHANNEL, mode]
                calls.append(([keys.meta, keys.stock], args + [walk.needs for walk in group]))
            replies = await self._run(self._spill_script, calls)
            walking = []
            for ((sale_id, bucket), group), reply in zip(groups.items(), replies, strict=True):
                if reply[0] == NOT_LOADED:
                    for walk in group:
                        walk.lost_bucket = True
                    continue
                self._note(session, sale_id, bucket, reply[1], reply[2])
                answers = zip(reply[3::2], reply[4::2], strict=True)
                for walk, (given, seen) in zip(group, answers, strict=True):
                    walk.collected += given
                    if mode == "whole":
                        walk.seen += seen
                    if walk.needs > 0:
                        walking.append(walk)

    async def _return_short(self, short: list[Walk], session: int) -> None:
        """Give back the claim and what was collected, to the home bucket.

        Under the generation the claim was made in: a home bucket loaded again since has
        neither the claim nor (if they came from the old buckets) the units to take back.
        """
        groups: dict[tuple[str, int], list[str | int]] = {}
        for walk in short:
            returned: list[str | int] = [
                walk.request.customer_id,
                walk.request.quantity,
                walk.collected,
                walk.generation,
            ]
            groups.setdefault((walk.request.sale_id, walk.home), []).extend(returned)
        await self._give_back_groups(groups, session)
