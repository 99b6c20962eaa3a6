"""Closing a sale early in the Redis gate: one script per bucket (close.lua), all in one round
trip, rewriting the close every take reads from the bucket's meta."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files

from redis.commands.core import AsyncScript

from flashsale.platform.redis.client import UNREACHABLE
from flashsale.sales.adapters.redis_base import Call, RedisGateBase
from flashsale.sales.adapters.redis_scripts import from_epoch_us, to_epoch_us
from flashsale.sales.ports import GateUnavailable

CLOSE = files("flashsale.sales.adapters").joinpath("lua", "close.lua").read_text("utf-8")


class GateClosing(RedisGateBase):
    async def close_sale(self, sale_id: str, at: datetime) -> datetime | None:
        # Registered here, not with the hot scripts: an operator closes a sale once.
        script: AsyncScript = self._redis.register_script(CLOSE)
        calls: list[Call] = [([keys.meta], [to_epoch_us(at)]) for keys in self._keys(sale_id)]
        try:
            replies = await self._run(script, calls)
        except UNREACHABLE as exc:
            raise GateUnavailable(f"the stock gate did not answer: {exc}") from exc
        closes = [int(reply) for reply in replies]
        if not all(closes):
            return None  # a bucket was lost: it is rebuilt from the record, closed there
        return from_epoch_us(min(closes))
