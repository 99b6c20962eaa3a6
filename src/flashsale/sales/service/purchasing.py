"""The purchase path: gate -> group commit -> answer. The one place that must be right and fast.

Two batched stages serve every purchase in flight: one stock-gate decision for a batch of
buyers, then one commit for a batch of orders. A buyer's request only waits on futures, so
the stages run to the end whether or not the buyer is still there: a buyer who hangs up can
neither strand units in the gate without an order, nor lose an order it was told nothing of
(``GET /orders`` shows it). An acknowledged purchase is a committed one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from prometheus_client import Counter

from flashsale.kernel.batching import Batcher
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.ids import new_id
from flashsale.kernel.metrics import Metrics
from flashsale.orders.domain.order import MAX_IDEMPOTENCY_KEY, Order, OrderStatus
from flashsale.orders.domain.placement import Placement
from flashsale.orders.ports import CommitOutcomeUnknown, OrderRepository
from flashsale.sales.domain.purchase import SOLD_OUT, PurchaseRequest, Refusal
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import (
    CommitFailed,
    IdempotencyKeyReused,
    LimitReached,
    PurchaseRefused,
)
from flashsale.sales.ports import GateNotLoaded, GateUnavailable, StockGate
from flashsale.sales.service.sale_directory import SaleDirectory

# A commit whose answer was lost is read back after these pauses (doubling) until it says.
SETTLE_FIRST_PAUSE = 0.1
SETTLE_MAX_PAUSE = 5.0
SETTLE_GIVE_UP_SECONDS = 600.0
STORED_KEYS_REMEMBERED = 100_000

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PurchaseResult:
    order: Order
    replayed: bool  # True when an earlier purchase with the same idempotency key answered


@dataclass(frozen=True, slots=True)
class _Ticket:
    sale: FlashSale
    request: PurchaseRequest
    key: tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class _Taken:
    """A ticket the gate let through, its order, and the gate generation its units came from."""

    ticket: _Ticket
    order: Order
    generation: int


# What the commit stage answers a buyer: the order once stored; a refusal when the record found
# the stock or the customer's limit used up (the gate was wrong); None when another process
# stored the same idempotency key first.
_Committed = Order | Refusal | None
# What the gate stage answers a buyer: refused, the gate lost the sale and could not rebuild
# it, or the future of its order's commit.
_Passed = Refusal | GateNotLoaded | asyncio.Future[_Committed]


class Purchasing:
    def __init__(
        self,
        store: OrderRepository,
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
        # Each sale's count of purchases reserved, its counter's child looked up once.
        self._reserved: dict[str, Counter] = {}
        self._gates: Batcher[_Ticket, _Passed] = Batcher(self._take_batch, max_batch=4096)
        self._commits: Batcher[_Taken, _Committed] = Batcher(
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
        # Batches whose commit lost its answer, waiting for the record to say (_settle_unknown).
        self._unknown: set[asyncio.Task[None]] = set()
        # Per sale, the commits of orders whose units the gate gave (see _settle).
        self._uncommitted: dict[str, set[asyncio.Future[_Committed]]] = {}

    async def purchase(
        self,
        customer_id: str,
        sale_id: str,
        quantity: int,
        idempotency_key: str | None = None,
    ) -> PurchaseResult:
        self._metrics.purchases_arrived += 1
        request = PurchaseRequest(sale_id, customer_id, quantity)
        if idempotency_key is None:
            return await self._purchase(request, None)
        if not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            # Stores key orders on (customer, key) in a bounded column; empty is a client bug.
            raise InvalidInput(f"an idempotency key has 1 to {MAX_IDEMPOTENCY_KEY} characters")
        key = (customer_id, idempotency_key)
        running = self._in_flight.get(key)
        if running is not None:  # the same retry, still in flight in this process
            result = await asyncio.shield(running)
            return _replay_of(request, result.order)
        future = asyncio.ensure_future(self._purchase(request, key))
        self._in_flight[key] = future
        future.add_done_callback(lambda _: self._in_flight.pop(key, None))
        result = await asyncio.shield(future)
        return _replay_of(request, result.order) if result.replayed else result

    async def _purchase(
        self, request: PurchaseRequest, key: tuple[str, str] | None
    ) -> PurchaseResult:
        sale = self._directory.ready(request.sale_id) or await self._directory.get(request.sale_id)
        if key is not None and key in self._stored_keys:
            return PurchaseResult(self._stored_keys[key], replayed=True)
        passed = await self._gates.enqueue(_Ticket(sale, request, key))
        if isinstance(passed, GateNotLoaded):
            raise passed
        if isinstance(passed, Refusal):
            # A retry whose first attempt was stored (by another process, before a restart, or
            # whose order has since expired) is refused; the buyer still gets the original.
            if key is not None:
                # After a sell-out such refusals come by the hundred thousand: one read serves
                # all that arrive together, or they would drain the connection pool.
                earlier = await self._key_lookups.submit(key)
                if earlier is not None:
                    return PurchaseResult(earlier, replayed=True)
            self._metrics.purchases.labels(passed.error.code, request.sale_id).inc()
            raise passed.error(passed.detail)
        try:
            committed = await passed
        except Exception as exc:  # the units went back to the gate before this was raised
            # A retry this process did not know (say, after a restart) went through the gate;
            # if its first attempt was stored, that is still the answer, commit or no commit.
            earlier = await self._earlier_if_readable(key)
            if earlier is not None:
                return PurchaseResult(earlier, replayed=True)
            self._metrics.purchases.labels(CommitFailed.code, request.sale_id).inc()
            raise CommitFailed(
                "the order could not be stored; nothing was charged, try again"
            ) from exc
        if isinstance(committed, Refusal):  # the record's last word: the gate was wrong
            self._metrics.record_refusals.labels(committed.error.code).inc()
            self._metrics.purchases.labels(committed.error.code, request.sale_id).inc()
            raise committed.error(committed.detail)
        order = committed
        if order is None:  # another process stored this idempotency key first
            assert key is not None
            earlier = await self._key_lookups.submit(key)
            if earlier is None:
                raise CommitFailed("the order could not be stored; try again")
            return PurchaseResult(earlier, replayed=True)
        if key is not None:
            self._stored_keys[key] = order
            if len(self._stored_keys) > STORED_KEYS_REMEMBERED:
                self._stored_keys.popitem(last=False)
        reserved = self._reserved.get(request.sale_id)
        if reserved is None:
            reserved = self._reserved[request.sale_id] = self._metrics.purchases.labels(
                "reserved", request.sale_id
            )
        reserved.inc()
        return PurchaseResult(order, replayed=False)

    # -- stage 1: the stock gate decides a batch ---------------------------------------------

    async def _take_batch(self, tickets: Sequence[_Ticket]) -> list[_Passed]:
        started = time.perf_counter()
        now = self._clock.now()
        requests = [ticket.request for ticket in tickets]
        outcomes = await self._gate.take_stamped(requests, now, in_order=False)
        if any(isinstance(outcome, GateNotLoaded) for outcome in outcomes):
            outcomes = await self._retake_lost(tickets, outcomes, now)
        self._metrics.gate_seconds.observe(time.perf_counter() - started)
        return [
            self._to_commit(ticket, now, outcome) if isinstance(outcome, int) else outcome
            for ticket, outcome in zip(tickets, outcomes, strict=True)
        ]

    async def _retake_lost(
        self,
        tickets: Sequence[_Ticket],
        outcomes: Sequence[Refusal | int | GateNotLoaded],
        now: datetime,
    ) -> list[Refusal | int | GateNotLoaded]:
        """The gate lost a sale (a shared gate flushed or restarted empty): rebuild, ask again.

        The purchases of the sales it still held were decided and stand; those of a lost sale
        decided nothing, so asking again once the gate is rebuilt is safe. If it is lost again,
        they are answered with the loss (503) and hold nothing.
        """
        retaken = list(outcomes)
        missing = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, GateNotLoaded)]
        try:
            for sale in {tickets[index].sale.id: tickets[index].sale for index in missing}.values():
                await self._directory.recover(sale, settle=partial(self._settle, sale.id))
            again = await self._gate.take_stamped(
                [tickets[index].request for index in missing], now, in_order=False
            )
        except GateUnavailable as exc:  # lost again: those buyers are told so (503), no one else
            log.warning("the stock gate could not be rebuilt: %s", exc)
            return retaken
        for index, outcome in zip(missing, again, strict=True):
            retaken[index] = outcome
        return retaken

    def _to_commit(
        self, ticket: _Ticket, now: datetime, generation: int
    ) -> asyncio.Future[_Committed]:
        sale, request = ticket.sale, ticket.request
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
            idempotency_key=None if ticket.key is None else ticket.key[1],
        )
        committed = self._commits.enqueue(_Taken(ticket, order, generation))
        uncommitted = self._uncommitted.setdefault(sale.id, set())
        uncommitted.add(committed)
        committed.add_done_callback(uncommitted.discard)
        return committed

    # -- stage 2: one commit for a batch of orders -------------------------------------------

    async def _commit_batch(self, batch: Sequence[_Taken]) -> list[_Committed]:
        started = time.perf_counter()
        try:
            placed = await self._store.insert_orders([taken.order for taken in batch])
        except CommitOutcomeUnknown:
            # The batch may have been committed: only the record says. Units go back only for
            # orders it does not hold, or they could be sold twice.
            found = await self._stored_ids(batch)
            if found is None:  # the record cannot say yet: keep asking, in the background
                self._settle_later(batch)
                raise
            if not found:
                await self._give_back(batch)
                raise
            # It was committed: these buyers are answered with their orders. The others were
            # replays or refusals, which a read cannot tell apart: their units go back, and if
            # the record refused them for want of stock, the reconciler takes them out again.
            placed = Placement(stored=found)
        except Exception:
            # Nothing of the batch is stored: its units go back on sale before anyone is told
            # (in the generation they were taken from: a gate rebuilt since counted them free).
            await self._give_back(batch)
            raise
        self._metrics.commit_seconds.observe(time.perf_counter() - started)
        answers: list[_Committed] = []
        units_back: list[_Taken] = []
        never_there: list[_Taken] = []
        for taken in batch:
            order_id = taken.order.id
            if order_id in placed.stored:
                answers.append(taken.order)
            elif order_id in placed.sold_out:
                # The gate had units the record has not: they were never there to give back,
                # only the customer's hold goes (the gate converges on the record).
                never_there.append(taken)
                answers.append(SOLD_OUT)
            elif order_id in placed.over_limit:
                # The gate lost track of what this customer holds; the units are real.
                units_back.append(taken)
                limit = taken.ticket.sale.per_customer_limit
                answers.append(Refusal(LimitReached, f"the limit is {limit} per customer"))
            else:  # a replay: the order stored earlier answers
                units_back.append(taken)
                answers.append(None)
        if units_back:
            await self._give_back(units_back)
        if never_there:
            await self._gate.release_holds([(t.ticket.request, t.generation) for t in never_there])
        return answers

    async def _give_back(self, batch: Sequence[_Taken]) -> None:
        """Units back to the gate. If the gate does not answer they stay out of it, unsold, and
        the reconciler gives them back once the sale is still: never an error for the buyers,
        whose answer the record has decided."""
        try:
            await self._gate.give_back([(t.ticket.request, t.generation) for t in batch])
        except Exception:
            log.warning("%d units stay out of the gate: the reconciler heals them", len(batch))

    async def _stored_ids(self, batch: Sequence[_Taken]) -> set[str] | None:
        """Which of the batch's orders the record holds; None while it cannot be read."""
        try:
            return set(await self._store.orders_by_id([t.order.id for t in batch]))
        except Exception:
            return None

    def _settle_later(self, batch: Sequence[_Taken]) -> None:
        task = asyncio.create_task(self._settle_unknown(batch))
        self._unknown.add(task)
        task.add_done_callback(self._unknown.discard)

    async def _settle_unknown(self, batch: Sequence[_Taken]) -> None:
        """Give back the units of a batch of unknown outcome once the record says it was not
        stored. If it never answers, the units stay out of the gate: a unit unsold (which
        ``flashsale gate check`` reports and a rebuild heals), never one sold twice."""
        pause = SETTLE_FIRST_PAUSE
        deadline = time.monotonic() + SETTLE_GIVE_UP_SECONDS
        while (found := await self._stored_ids(batch)) is None:
            if time.monotonic() >= deadline:
                log.error("a commit of unknown outcome was never settled: %d orders", len(batch))
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, SETTLE_MAX_PAUSE)
        lost = [t for t in batch if t.order.id not in found]
        if lost:
            await self._give_back(lost)

    async def _settle(self, sale_id: str) -> None:
        """Wait for the orders whose units a lost gate gave, before the gate is rebuilt.

        Those units are in no store yet; rebuilding before they are stored would sell them
        again. Purchases decided later find no gate and take nothing until the rebuild (this
        process's gate stage is busy with it), so waiting for this snapshot is enough.
        """
        waiting = set(self._uncommitted.get(sale_id, ()))
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

    async def drain(self) -> None:
        """Wait until every purchase decided so far has its order stored (or refused)."""
        await self._gates.wait_idle()
        await self._commits.wait_idle()


def _replay_of(request: PurchaseRequest, earlier: Order) -> PurchaseResult:
    """The earlier order answers a retry only if the retry asks for the same thing.

    The key is bound to its request as the IETF Idempotency-Key draft binds it to a
    fingerprint of the payload; a purchase's payload is its sale and quantity, which the
    stored order holds already, so no fingerprint column is needed.
    """
    if (earlier.sale_id, earlier.quantity) != (request.sale_id, request.quantity):
        raise IdempotencyKeyReused(
            "this idempotency key was used for another purchase"
            f" ({earlier.quantity} of sale {earlier.sale_id}); use a new key for a new purchase"
        )
    return PurchaseResult(earlier, replayed=True)


__all__ = ["PurchaseRefused", "PurchaseResult", "Purchasing"]
