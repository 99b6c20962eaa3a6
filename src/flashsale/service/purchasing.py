"""The purchase path: gate -> group commit -> answer. The one place that must be right and fast.

A purchase is acknowledged only after its order is committed. Between the gate taking units and
the commit, the work runs shielded from the caller's cancellation: a buyer who hangs up must not
strand units in the gate without an order, nor an order without its answer being knowable
(``GET /orders`` shows it).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flashsale.batching import Batcher
from flashsale.domain.errors import (
    CommitFailed,
    InvalidInput,
    PurchaseRefused,
)
from flashsale.domain.order import Order, OrderStatus
from flashsale.domain.purchase import PurchaseRequest
from flashsale.domain.sale import FlashSale
from flashsale.metrics import Metrics
from flashsale.ports import Clock, GateNotLoaded, StockGate, Store
from flashsale.service.ids import new_id
from flashsale.service.sale_directory import SaleDirectory

MAX_IDEMPOTENCY_KEY = 255
STORED_KEYS_REMEMBERED = 100_000


@dataclass(frozen=True, slots=True)
class PurchaseResult:
    order: Order
    replayed: bool  # True when an earlier purchase with the same idempotency key answered


class Purchasing:
    def __init__(
        self,
        store: Store,
        gate: StockGate,
        clock: Clock,
        directory: SaleDirectory,
        metrics: Metrics,
        commit_max_batch: int,
    ) -> None:
        self._store = store
        self._gate = gate
        self._clock = clock
        self._directory = directory
        self._metrics = metrics
        self._commits: Batcher[Order, bool] = Batcher(
            self._commit_batch,
            max_batch=commit_max_batch,
            on_batch=metrics.commit_batch_size.observe,
        )
        self._in_flight: dict[tuple[str, str], asyncio.Future[PurchaseResult]] = {}
        self._key_lookups: Batcher[tuple[str, str], Order | None] = Batcher(self._look_up_keys)
        # Keys this process stored, so that a retry answers without a read of the store at
        # the opening second; a retry it does not know goes through the gate and the
        # store's unique (customer, key) index, which answer it correctly, only slower.
        self._stored_keys: OrderedDict[tuple[str, str], Order] = OrderedDict()
        # Per sale, the open passages of this process's purchases (see _settle).
        self._between: dict[str, set[asyncio.Future[None]]] = {}

    async def purchase(
        self,
        customer_id: str,
        sale_id: str,
        quantity: int,
        idempotency_key: str | None = None,
    ) -> PurchaseResult:
        request = PurchaseRequest(sale_id, customer_id, quantity)
        if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            # Stores key orders on (customer, key) in a bounded column; empty is a client bug.
            raise InvalidInput(f"an idempotency key has 1 to {MAX_IDEMPOTENCY_KEY} characters")
        if idempotency_key is None:
            return await asyncio.shield(self._purchase(request, None))
        key = (customer_id, idempotency_key)
        running = self._in_flight.get(key)
        if running is not None:  # the same retry, still in flight in this process
            result = await asyncio.shield(running)
            return PurchaseResult(result.order, replayed=True)
        future = asyncio.ensure_future(self._purchase(request, idempotency_key))
        self._in_flight[key] = future
        future.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return await asyncio.shield(future)

    async def _purchase(
        self, request: PurchaseRequest, idempotency_key: str | None
    ) -> PurchaseResult:
        sale = await self._directory.get(request.sale_id)
        key = None if idempotency_key is None else (request.customer_id, idempotency_key)
        if key is not None and key in self._stored_keys:
            return PurchaseResult(self._stored_keys[key], replayed=True)
        now = self._clock.now()
        passage = _Passage(self._between.setdefault(sale.id, set()))
        try:
            return await self._through_gate(sale, request, now, key, passage)
        finally:
            passage.close()

    async def _through_gate(
        self,
        sale: FlashSale,
        request: PurchaseRequest,
        now: datetime,
        key: tuple[str, str] | None,
        passage: _Passage,
    ) -> PurchaseResult:
        started = time.perf_counter()
        try:
            (refusal,) = await self._gate.take([request], now)
        except GateNotLoaded:
            # The gate lost the sale (a shared gate flushed or restarted empty). A take that
            # raised decided nothing, so asking again once the gate is rebuilt is safe.
            passage.close()  # the recovery must not wait for this purchase, which holds nothing
            await self._directory.recover(sale, settle=lambda: self._settle(sale.id))
            passage.reopen()
            (refusal,) = await self._gate.take([request], now)
        self._metrics.gate_seconds.observe(time.perf_counter() - started)
        if refusal is not None:
            # A retry whose first attempt was stored (by another process, before a restart, or
            # whose order has since expired) is refused; the buyer still gets the original.
            if key is not None:
                # After a sell-out such refusals come by the hundred thousand: one read serves
                # all that arrive together, or they would drain the connection pool.
                earlier = await self._key_lookups.submit(key)
                if earlier is not None:
                    return PurchaseResult(earlier, replayed=True)
            self._metrics.purchases.labels(refusal.error.code).inc()
            raise refusal.error(refusal.detail)
        order = Order(
            id=new_id("ord"),
            sale_id=sale.id,
            customer_id=request.customer_id,
            sku=sale.sku,
            quantity=request.quantity,
            amount=sale.price.times(request.quantity),
            status=OrderStatus.RESERVED,
            created_at=now,
            expires_at=now + sale.payment_window,
            idempotency_key=None if key is None else key[1],
        )
        try:
            stored = await self._commits.submit(order)
        except Exception as exc:
            await self._gate.give_back([request])
            # A retry this process did not know (say, after a restart) went through the gate;
            # if its first attempt was stored, that is still the answer, commit or no commit.
            earlier = await self._earlier_if_readable(key)
            if earlier is not None:
                return PurchaseResult(earlier, replayed=True)
            self._metrics.purchases.labels(CommitFailed.code).inc()
            raise CommitFailed(
                "the order could not be stored; nothing was charged, try again"
            ) from exc
        if not stored:  # another process stored this idempotency key first
            await self._gate.give_back([request])
            assert key is not None
            earlier = await self._key_lookups.submit(key)
            if earlier is None:
                raise CommitFailed("the order could not be stored; try again")
            return PurchaseResult(earlier, replayed=True)
        if key is not None:
            self._stored_keys[key] = order
            if len(self._stored_keys) > STORED_KEYS_REMEMBERED:
                self._stored_keys.popitem(last=False)
        self._metrics.purchases.labels("reserved").inc()
        return PurchaseResult(order, replayed=False)

    async def _settle(self, sale_id: str) -> None:
        """Wait for the purchases that were between the gate and the store when it was lost.

        Units the lost gate gave them are in no store yet; rebuilding before they are stored
        would sell those units again. Purchases that start later find no gate and take nothing
        until the rebuild, so waiting for this snapshot is enough, even under load.
        """
        waiting = set(self._between.get(sale_id, ()))
        if waiting:
            await asyncio.wait(waiting)

    async def _earlier_if_readable(self, key: tuple[str, str] | None) -> Order | None:
        if key is None:
            return None
        try:
            return await self._key_lookups.submit(key)
        except Exception:  # the store is down as well: the buyer is told to try again
            return None

    async def _look_up_keys(self, keys: Sequence[tuple[str, str]]) -> list[Order | None]:
        found = await self._store.orders_by_idempotency_keys(keys)
        return [found.get(key) for key in keys]

    async def _commit_batch(self, orders: Sequence[Order]) -> list[bool]:
        started = time.perf_counter()
        stored = await self._store.insert_orders(orders)
        self._metrics.commit_seconds.observe(time.perf_counter() - started)
        return [order.id in stored for order in orders]

    async def drain(self) -> None:
        await self._commits.wait_idle()


class _Passage:
    """A purchase that may hold units of the gate the store does not know yet (see _settle)."""

    __slots__ = ("_future", "_open")

    def __init__(self, open_passages: set[asyncio.Future[None]]) -> None:
        self._open = open_passages
        self._future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._open.add(self._future)

    def close(self) -> None:
        if not self._future.done():
            self._future.set_result(None)
            self._open.discard(self._future)

    def reopen(self) -> None:
        self.close()
        self._future = asyncio.get_running_loop().create_future()
        self._open.add(self._future)


__all__ = ["PurchaseRefused", "PurchaseResult", "Purchasing"]
