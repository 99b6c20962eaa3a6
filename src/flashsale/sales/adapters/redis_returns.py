"""Units back into the Redis gate: give-backs, released holds, and drift the reconciler heals.

Every return goes to the customer's home bucket and counts only under the generation it names
(give_back.lua, adjust.lua).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flashsale.kernel.units import HeldUnits
from flashsale.platform.redis.sale_keys import STOCK_EVENTS_CHANNEL, SaleKeys, home_bucket
from flashsale.sales.adapters.redis_base import RedisGateBase


class GateReturns(RedisGateBase):
    async def give_back(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        await self._return(returns, units=-1)  # -1: as many units as the held count fell

    async def release_holds(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        await self._return(returns, units=0)

    async def _return(self, returns: Sequence[tuple[HeldUnits, int]], units: int) -> None:
        session = self._session()
        groups: dict[tuple[str, int], list[str | int]] = {}
        for request, generation in returns:
            home = home_bucket(request.customer_id, self._buckets)
            returned: list[str | int] = [request.customer_id, request.quantity, units, generation]
            groups.setdefault((request.sale_id, home), []).extend(returned)
        await self._give_back_groups(groups, session)

    async def adjust(
        self, sale_id: str, generation: int, units: int, holds: Mapping[str, int]
    ) -> int | None:
        """Units go into bucket 0, or come out of the buckets in turn; each held count moves in
        the customer's home bucket. One script call per bucket touched."""
        session = self._session()
        deltas: dict[int, list[str | int]] = {}
        for customer, delta in holds.items():
            if delta:
                deltas.setdefault(home_bucket(customer, self._buckets), []).extend(
                    [customer, delta]
                )
        moved, wanted = 0, units
        for bucket in range(self._buckets):
            if not wanted and bucket not in deltas:
                continue
            keys = SaleKeys.of(sale_id, bucket)
            args: list[str | int] = [sale_id, bucket, STOCK_EVENTS_CHANNEL, generation, wanted]
            reply = await self._adjust_script(
                keys=[keys.meta, keys.stock, keys.held], args=args + deltas.get(bucket, [])
            )
            if reply[0] != 1:  # lost, or rebuilt since the caller looked: heal nothing more
                return None if bucket == 0 else moved
            self._note(session, sale_id, bucket, reply[1], reply[2])
            moved += reply[3]
            wanted = units - moved if units < 0 else 0
        return moved
