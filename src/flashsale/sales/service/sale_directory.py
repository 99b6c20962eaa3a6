"""Sales by id, cached, each with its gate loaded.

The first time a process meets a sale it builds the sale's gate from the store (stock minus the
units of live orders, and the registered customers) unless the gate already holds the sale. That
is what makes a restart in the middle of a sale lose nothing and sell nothing twice: a gate shared
by several processes holds units they took and have not stored yet, which a rebuild from the store
would put back on sale. A gate that lost a sale (Redis flushed or restarted empty) is rebuilt by
``recover``; only the operator replaces a live gate, with ``rebuild_gate``.

A sale's terms change only by an edit made at least ``EDIT_FREEZE`` before the opening (the rule
of ``Sales.edit``), which reloads the gate from the store: a Redis gate holds the terms, so that
reaches every process's gate at once. What each process caches is the ``FlashSale`` object
(price, payment window, timetable for the room), and that copy is re-read from the store once it
is ``REFRESH_SECONDS`` old, until a copy read ``FINAL_BEFORE_OPENING`` before the opening or
later: no edit can follow that one, so it is kept for good and the purchase path reads no store
to know its sale. Because ``REFRESH_SECONDS`` is shorter than ``EDIT_FREEZE -
FINAL_BEFORE_OPENING``, every process knows the last terms before anyone can buy. This assumes
an edit commits within ``EDIT_FREEZE - FINAL_BEFORE_OPENING`` of its check and process clocks
agree to within seconds.

One change can still follow: the operator closing the sale early (``Sales.close``), which moves
the close in the gate itself, so every process's gate refuses at once. A kept copy of a sale
not closed yet is re-read in the background once it is ``REFRESH_SECONDS`` old, when it is next
asked for (the caller is answered from the copy meanwhile: no read on the purchase path), so the
pages and the room of every process learn the close within that; a re-read that finds a close
earlier than the copy's also moves it in the gate, which heals a close whose gate write was lost.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flashsale.kernel.clock import Clock, SystemClock
from flashsale.kernel.errors import NotFound
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import GateUnavailable, SaleRepository, StockGate

log = logging.getLogger(__name__)

EDIT_FREEZE = timedelta(seconds=60)
FINAL_BEFORE_OPENING = timedelta(seconds=30)
REFRESH_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Cached:
    sale: FlashSale
    fresh_until: float  # time.monotonic(); infinite once no edit can follow
    # time.monotonic() after which a kept copy is re-read in the background, for an early
    # close; infinite for a copy still refreshed by fresh_until, or of a sale already closed
    recheck_at: float = math.inf


@dataclass(frozen=True, slots=True)
class GateRebuilt:
    """Units left in the gate before and after a rebuild (None: not loaded), and the
    generation the rebuild started."""

    before: int | None
    after: int | None
    generation: int | None


class SaleDirectory:
    def __init__(self, store: SaleRepository, gate: StockGate, clock: Clock | None = None) -> None:
        self._store = store
        self._gate = gate
        self._clock = clock or SystemClock()
        self._ready: dict[str, _Cached] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._rechecks: set[asyncio.Task[None]] = set()

    def _lock(self, sale_id: str) -> asyncio.Lock:
        return self._loading.setdefault(sale_id, asyncio.Lock())

    def ready(self, sale_id: str) -> FlashSale | None:
        """The sale if this process holds a fresh copy (its gate is loaded), without awaiting."""
        cached = self._ready.get(sale_id)
        if cached is None:
            return None
        now = time.monotonic()
        if now >= cached.fresh_until:
            return None
        if now >= cached.recheck_at:
            self._recheck(cached)
        return cached.sale

    def keep(self, sale: FlashSale) -> None:
        """After ``Sales.close``: this process's copy, if it has one, becomes the closed sale,
        kept for good (nothing follows a close). A sale it never met stays unmet, so that its
        first ``get`` still loads the gate."""
        if sale.id in self._ready:
            self._ready[sale.id] = _Cached(sale, math.inf)

    def _recheck(self, cached: _Cached) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # asked outside the event loop: the next caller rechecks
            return
        pending = _Cached(cached.sale, cached.fresh_until)  # one re-read at a time
        self._ready[cached.sale.id] = pending
        task = loop.create_task(self._reread(pending))
        self._rechecks.add(task)
        task.add_done_callback(self._rechecks.discard)

    async def _reread(self, pending: _Cached) -> None:
        old = pending.sale
        try:
            sale = await self._store.sale(old.id)
            if sale is not None and sale.closes_at < old.closes_at:
                await self._gate.close_sale(sale.id, sale.closes_at)
        except Exception as exc:  # the copy stays, and is re-read again later
            log.warning("sale %s could not be re-read: %r", old.id, exc)
            sale = None
        if self._ready.get(old.id) is not pending:
            return  # replaced meanwhile (a close in this process, a reload)
        if sale is None:
            self._ready[old.id] = _Cached(old, math.inf, time.monotonic() + REFRESH_SECONDS)
        else:
            self._ready[old.id] = _Cached(sale, math.inf, _recheck_at(sale, self._clock.now()))

    async def get(self, sale_id: str) -> FlashSale:
        """The sale, with its gate loaded; raises NotFound."""
        sale = self.ready(sale_id)
        if sale is not None:
            return sale
        async with self._lock(sale_id):
            sale = self.ready(sale_id)
            if sale is None:
                previous = self._ready.get(sale_id)
                sale = await self._read(sale_id)
                if previous is None:
                    await self._load_if_absent(sale)
                elif sale.closes_at < previous.sale.closes_at:  # closed early meanwhile
                    await self._gate.close_sale(sale.id, sale.closes_at)
        return sale

    async def reload(self, sale_id: str) -> FlashSale:
        """After an edit: load the gate with the stored terms, and keep them here.

        Only for a sale nobody can buy yet (``Sales.edit`` checks that): the gate then holds no
        unit taken and not stored, so replacing it from the store loses nothing.
        """
        async with self._lock(sale_id):
            sale = await self._read(sale_id)
            held, registered = await self._facts(sale)
            await self._gate.load(sale, held, registered)
            # A registration stored after the read above and put in the old gate before the
            # load would be lost to the gate; one more read puts every such one back.
            again = await self._store.registered_customers(sale_id)
            if again:
                await self._gate.register(sale_id, again)
            return sale

    async def _read(self, sale_id: str) -> FlashSale:
        read_at = self._clock.now()
        sale = await self._store.sale(sale_id)
        if sale is None:
            raise NotFound(f"no sale {sale_id}")
        # Added to the clock, not taken from the opening: a stored opening may lie near year 1.
        final = read_at + FINAL_BEFORE_OPENING >= sale.opens_at
        if final:
            self._ready[sale_id] = _Cached(sale, math.inf, _recheck_at(sale, read_at))
        else:
            self._ready[sale_id] = _Cached(sale, time.monotonic() + REFRESH_SECONDS)
        return sale

    async def recover(
        self, sale: FlashSale, settle: Callable[[], Awaitable[None]] | None = None
    ) -> bool:
        """Rebuild the sale's gate from the store if the gate lost it; True when this call did.

        ``settle`` runs first, once the gate is known to be empty: it waits for this process's
        purchases that the lost gate let through to reach the store, so the rebuild counts them.
        Concurrent callers queue on the sale's lock and find the gate already rebuilt.
        """
        async with self._lock(sale.id):
            if await self._gate.is_loaded(sale.id):
                return False
            if settle is not None:
                await settle()
            return await self._load_if_absent(sale)

    async def rebuild_gate(self, sale: FlashSale) -> None:
        """Replace the sale's gate with what the store says, whatever the gate held."""
        async with self._lock(sale.id):
            held, registered = await self._facts(sale)
            await self._gate.load(sale, held, registered)

    async def rebuild_gate_of(self, sale_id: str) -> GateRebuilt:
        """``rebuild_gate`` by the operator, with the units left before and after."""
        # Read, not met: meeting the sale would load a gate that lost it before the rebuild.
        sale = await self._store.sale(sale_id)
        if sale is None:
            raise NotFound(f"no sale {sale_id}")
        before = await self._gate.stock_left(sale.id)
        await self.rebuild_gate(sale)
        (generation,) = await self._gate.generations([sale.id])
        return GateRebuilt(before, await self._gate.stock_left(sale.id), generation)

    async def _load_if_absent(self, sale: FlashSale) -> bool:
        if await self._gate.is_loaded(sale.id):
            return False  # skips reading the store; load_if_absent below decides atomically
        held, registered = await self._facts(sale)
        return await self._gate.load_if_absent(sale, held, registered)

    async def _facts(self, sale: FlashSale) -> tuple[dict[str, int], list[str]]:
        held = await self._store.held_by_customer(sale.id)
        registered = await self._store.registered_customers(sale.id)
        return held, registered

    async def load_all(self) -> int:
        """Load every stored sale's gate; returns how many loaded.

        A sale that cannot be loaded (a row no longer valid, say) is logged and skipped: one bad
        row must not keep the shop from starting and serving the others. Its next ``get`` tries
        again. A gate that does not answer is not the sale's fault, and stops the start.
        """
        try:
            sales = await self._store.sales()
        except Exception as exc:
            log.error("the stored sales could not be read; each loads on first use: %r", exc)
            return 0
        loaded = 0
        for sale in sales:
            try:
                await self.get(sale.id)
            except GateUnavailable:
                raise
            except Exception as exc:
                self._ready.pop(sale.id, None)
                log.error("sale %s could not be loaded and is skipped: %r", sale.id, exc)
                continue
            loaded += 1
        return loaded

    def forget(self) -> None:
        self._ready.clear()


def _recheck_at(sale: FlashSale, read_at: datetime) -> float:
    """When a kept copy read at ``read_at`` is re-read: never once the sale has closed."""
    return math.inf if read_at >= sale.closes_at else time.monotonic() + REFRESH_SECONDS
