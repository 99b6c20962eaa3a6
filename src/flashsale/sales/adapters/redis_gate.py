"""The stock gate of the scale-out engine: one Redis (server or Cluster) shared by every process.

Each decision is a Lua script on one bucket of a sale (keys and layout:
``flashsale.platform.redis.sale_keys``), applying exactly the checks of
``flashsale.sales.domain.purchase.decide``; the contract suite runs the same cases against this
gate and the in-process one.

With one bucket (the default) a batch of one sale is one script call, decided atomically and in
order. With N buckets (hot-key relief: a sale's stock spread over N cluster slots) a customer's
registration and held count live in the customer's home bucket, where the take is checked and, if
the bucket has the units, made, all in one script; a buyer whose home bucket is dry walks the
other buckets (``redis_walk``). Purchases of concurrent callers have no order among themselves; a
multi-purchase call on a bucketed gate is decided one purchase after another, in order.

The gate is assembled from one part per concern, on ``redis_base.RedisGateBase``: loading
(``redis_loading``), the purchase path (``redis_take``), returns (``redis_returns``) and reads
(``redis_reads``), and closing a sale early (``redis_closing``); the scripts are in ``lua/``
(``redis_scripts``), the sold-out board in ``redis_soldout``.
"""

from __future__ import annotations

from flashsale.platform.redis.client import open_redis
from flashsale.sales.adapters.redis_closing import GateClosing
from flashsale.sales.adapters.redis_loading import GateLoading
from flashsale.sales.adapters.redis_reads import GateReads
from flashsale.sales.adapters.redis_returns import GateReturns
from flashsale.sales.adapters.redis_soldout import SoldOutBoard
from flashsale.sales.adapters.redis_take import GateTakes


class RedisStockGate(GateLoading, GateTakes, GateReturns, GateReads, GateClosing):
    @classmethod
    async def connect(
        cls, url: str, *, buckets: int = 1, sold_out_flag: bool = False
    ) -> RedisStockGate:
        """Open a gate on one server (``redis://``) or a cluster (``redis+cluster://``)."""
        redis = await open_redis(url)
        board = SoldOutBoard.subscribed(url, redis) if sold_out_flag else None
        return cls(redis, buckets=buckets, board=board)

    async def close(self) -> None:
        await self._batcher.wait_idle()
        if self.board is not None:
            await self.board.close()
        await self._redis.aclose()
