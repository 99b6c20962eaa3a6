"""The allocator: paid orders from the event feed to fulfilment orders, a batch at a time.

A step reads up to ``batch`` ``order.paid``/``order.cancelled`` events after its stored cursor
(one per market: ``allocator:CN``), decides every paid order of its market in memory from one
snapshot of the market's levels and allotments (fulfilment/domain/allocation.py), and writes
the batch in ONE transaction with the cursor's move: fulfilment orders, guarded counter updates
per (location, SKU), the ledger's moves, the ``fulfilment.allocated`` events. A guard that
fails (a write-off, an allotment, another allocator got there first) rolls the batch back; it
is decided again from a fresh snapshot. Since the cursor moves in the batch's own transaction,
a batch is applied exactly once: a process killed mid-batch leaves the cursor where it was and
the batch is read again; a second allocator that read the same page fails the cursor's
compare-and-set and re-reads. ``UNIQUE(source_kind, source_id, part)`` is the last word.

**Ahead.** While a full batch is written, the next page is read and decided from the snapshot
as this batch's decisions left it (the write waits on the database, the deciding on the CPU),
and, where the store takes writes in the order they are sent (one writer: SQLite, memory),
its write is sent at once, behind this one: the database is never left waiting for the next
batch, and the next step only waits for the answer. That write's cursor compare-and-set
expects this batch's cursor, so it writes nothing unless this batch committed first; a write
sent ahead that finds the cursor elsewhere is decided and written again at its own step.
Elsewhere (PostgreSQL) the next step writes it. A stale carried snapshot is as safe as a fresh
one: the guards check the stock itself at write time. A page with a cancel, a sale met for
the first time or settings due a refresh is decided at its own step instead, after the batch
before has committed; a batch that fails drops what was decided after it.

**Cancels.** A paid order cancelled while its fulfilment order is only ``allocated`` (or
``unallocated``) is released here, from the ``order.cancelled`` event in the feed, in the same
kind of batch: the units go back to the sale's allotment (the gate sells them again) or, after
the sale, to free stock. Releasing from the feed rather than in the cancel's request means the
release commits with the cursor that passed the event: it happens once, whatever crashes, and
never before the allocation it undoes. The request itself only asks ``check_cancellable``
first, refusing once picking has started (fulfilment_orders.py).

One allocator per market leads (``Leadership``: a PostgreSQL advisory lock; on the embedded
default the one server), but correctness never rests on it: two that both think they lead are
kept apart by the cursor's compare-and-set and the guards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flashsale.fulfilment.domain.allocation import decide
from flashsale.fulfilment.domain.order import CANCELLABLE, FulfilmentStatus
from flashsale.fulfilment.domain.plan import AllocationPlan, PlanBuilder
from flashsale.fulfilment.domain.settings import MarketFulfilment
from flashsale.fulfilment.domain.strategies import Availability, Context, Need, StoreOptions
from flashsale.fulfilment.ports import (
    AlreadyPlaced,
    FeedEntry,
    FeedPage,
    FulfilmentRepository,
    SaleCatalogue,
    SaleReader,
    SaleUnits,
    StaleSnapshot,
    StoreOptionsReader,
)
from flashsale.inventory.domain.allotment import Allotment, trimmed
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import StockLevel
from flashsale.inventory.service.allotments import Allotments
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.kernel.ids import new_id
from flashsale.orders.domain.events import EventCursor, OrderEventKind

DEFAULT_BATCH = 10_000
DEFAULT_POLL_SECONDS = 1.0
# Orders that could not be placed are tried again at least this often, and at once after a
# receipt this process recorded (a receipt elsewhere is seen within this time).
RETRY_SECONDS = 30.0
# How often the market's settings and locations are read again.
REFRESH_SECONDS = 10.0
# Deciding a page ahead gives the loop back this often: PostgreSQL's write runs on it, and
# each of its statements waits for the loop to send the next (sampled over 1M orders, the
# server's connections sat idle in a transaction 17 % of the time at 1,000, 14.5 % at 200).
YIELD_EVERY = 200
MAX_ATTEMPTS = 5  # a batch decided again this often in a row: something else is wrong

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Allocated:
    """One step: events read, fulfilment orders allocated, left unallocated, cancelled."""

    events: int = 0
    allocated: int = 0
    unallocated: int = 0
    cancelled: int = 0
    retried: int = 0

    def __add__(self, other: Allocated) -> Allocated:
        return Allocated(
            self.events + other.events,
            self.allocated + other.allocated,
            self.unallocated + other.unallocated,
            self.cancelled + other.cancelled,
            self.retried + other.retried,
        )


class Allocator:
    def __init__(
        self,
        market_code: str,
        store: FulfilmentRepository,
        locations: Locations,
        allotments: Allotments,
        sales: SaleReader,
        clock: Clock,
        *,
        batch: int = DEFAULT_BATCH,
        monotonic: Callable[[], float] | None = None,
        stores: StoreOptionsReader | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self.market_code = market_code
        self.name = f"allocator:{market_code}"
        self._store = store
        self._locations = locations
        self._allotments = allotments
        self._sales = sales
        self._clock = clock
        self._batch = batch
        self._cursor: EventCursor | None = None
        self._cursor_known = False
        self._settings: MarketFulfilment | None = None
        self._stores = stores
        # While the sale's purchases come fast the runner stops between batches; nothing is
        # decided or sent ahead then, so the batch in flight is the last one in their way.
        self._busy = busy
        self._store_options = StoreOptions()
        self._market_locations: list[Location] = []
        self._refreshed_at = float("-inf")
        self._monotonic = monotonic or _monotonic
        self._allot_tried: set[str] = set()
        self._retry_due = True
        self._retried_at = float("-inf")
        self._check_placed = False  # a batch met orders placed already: leave those out
        self._ahead: tuple[EventCursor, asyncio.Future[FeedPage]] | None = None
        # The last snapshot as this process's decisions left it, with the sales it knows
        # allotted; and the page read ahead, decided from it while the batch before was written.
        self._carried: tuple[Context, set[str]] | None = None
        self._prepared: _Prepared | None = None

    def stock_arrived(self) -> None:
        """A receipt landed: try the unallocated orders again at the next idle step."""
        self._retry_due = True

    def forget(self) -> None:
        """Read the cursor and the settings again (another process may have moved them)."""
        self._cursor_known = False
        self._refreshed_at = float("-inf")
        self._drop_ahead()
        self._drop_prepared()

    def _read_ahead(self, after: EventCursor) -> None:
        """Read the page after this one while this one is written: the feed's rows after a
        cursor do not depend on the batch (the read is the feed's own: nothing skipped), and
        the read and the write wait on different threads or servers."""
        self._ahead = (
            after,
            asyncio.ensure_future(self._store.paid_and_cancelled(after, self._batch)),
        )

    def _drop_ahead(self) -> None:
        if self._ahead is not None:
            _, task = self._ahead
            self._ahead = None
            task.cancel()
            task.add_done_callback(_ignore)

    async def _page(self, after: EventCursor) -> FeedPage:
        if self._ahead is not None and self._ahead[0] == after:
            _, task = self._ahead
            self._ahead = None
            return await task
        self._drop_ahead()
        return await self._store.paid_and_cancelled(after, self._batch)

    async def step(self) -> Allocated:
        """Allocate the next batch of the feed; when the feed is drained, retry what waits."""
        if not self._cursor_known:
            self._cursor = await self._store.allocator_cursor(self.name)
            self._cursor_known = True
        after = self._cursor or EventCursor()
        page = await self._page(after)
        if not page.entries:
            return await self._retry_waiting()
        if len(page.entries) == self._batch and self._ahead is None:
            self._read_ahead(page.next_cursor)  # read while this page is decided and written
        mine = [e for e in page.entries if e.market_code == self.market_code]
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared.page is not page:
            _let_go(prepared.writing)
            prepared = None
        for attempt in range(MAX_ATTEMPTS):
            sent_ahead = False
            if attempt == 0 and prepared is not None:
                plan, cancelled = prepared.plan, 0
                sent_ahead = prepared.writing is not None
                writing = prepared.writing or self._send(self._cursor, page.next_cursor, plan)
            else:
                await self._refresh(force=attempt > 0)
                plan, cancelled = await self._plan_page(mine)
                writing = self._send(self._cursor, page.next_cursor, plan)
            try:
                await self._prepare_next()
            except BaseException:
                await asyncio.wait([writing])  # the batch's transaction ends, one way or other
                writing.add_done_callback(_ignore)
                raise
            try:
                stored = await writing
            except AlreadyPlaced:
                log.warning(
                    "%s: the batch holds orders placed already; leaving them out", self.name
                )
                self._check_placed = True
                self._drop_prepared()
                continue
            except StaleSnapshot:
                log.info("%s: the snapshot went stale; deciding the batch again", self.name)
                self._drop_prepared()
                continue
            except BaseException:
                self._drop_prepared()
                raise
            self._check_placed = False
            if not stored and sent_ahead:
                # Sent while the batch before was written, it met the cursor elsewhere: that
                # batch had not committed yet (another writer's turn came first), or another
                # allocator moved it. Decided again from a fresh snapshot, and written now.
                self._drop_prepared()
                continue
            if not stored:
                log.warning("%s: another allocator moved the cursor; reading it again", self.name)
                self._cursor_known = False
                self._drop_prepared()
                return Allocated(len(page.entries))
            self._cursor = page.next_cursor
            if cancelled:
                self._retry_due = True  # released units may place a waiting order
            return Allocated(len(page.entries), plan.allocated, plan.unallocated, cancelled)
        raise RuntimeError(f"{self.name}: {MAX_ATTEMPTS} snapshots in a row went stale")

    async def _prepare_next(self) -> None:
        """Decide the page read ahead while this one is written, from the snapshot as this
        page's decisions left it, and (a store that writes in order) send its write behind this
        one's: the next step then only waits for it. Not while the sale's purchases come fast
        (``busy``), nor when that page holds cancels (their fulfilment orders may be in the
        batch being written), meets a sale not allotted yet or the settings are due a refresh;
        whatever else moved meanwhile (a write-off, this batch failing) the guards of the write
        catch, or the step drops it."""
        carried, ahead = self._carried, self._ahead
        if carried is None or ahead is None or self._check_placed or self._busy():
            return
        if self._monotonic() - self._refreshed_at >= REFRESH_SECONDS:
            return
        try:
            page = await ahead[1]
        except Exception:  # met again, and reported, by the step that reads it
            return
        ctx, allotted = carried
        mine = [e for e in page.entries if e.market_code == self.market_code]
        if any(e.kind is not OrderEventKind.PAID for e in mine):
            return
        if not {e.sale_id for e in mine} <= allotted | self._allot_tried:
            return
        builder = PlanBuilder(self.market_code, self._clock.now(), _Ids())
        place = builder.decide_new
        paid = {e.order_id: e for e in mine}
        for n, e in enumerate(paid.values(), 1):
            place(Need(e.order_id, e.sale_id, e.sku, e.quantity, e.region, e.at, e.pickup), ctx)
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # the batch being written gets its turns of the loop
        plan = builder.finish("")
        writing = None
        if self._store.writes_in_order:
            writing = self._send(ahead[0], page.next_cursor, plan)
        self._prepared = _Prepared(page, plan, writing)

    def _send(
        self, after: EventCursor | None, to: EventCursor, plan: AllocationPlan
    ) -> asyncio.Future[bool]:
        """The batch's write, started."""
        reference = f"allocation {after or EventCursor()}..{to}"
        return asyncio.ensure_future(
            self._store.write_allocation(self.name, after, to, plan, reference)
        )

    def _drop_prepared(self) -> None:
        """Forget the snapshot carried and the batch decided from it; a write sent ahead for it
        is let go (its cursor's compare-and-set, behind a batch that failed, writes nothing)."""
        if self._prepared is not None:
            _let_go(self._prepared.writing)
        self._carried = self._prepared = None

    async def _refresh(self, force: bool = False) -> None:
        now = self._monotonic()
        if not force and now - self._refreshed_at < REFRESH_SECONDS:
            return
        settings = await self._store.market_fulfilment(self.market_code)
        self._settings = settings or MarketFulfilment(self.market_code)
        self._market_locations = await self._locations.all(self.market_code)
        if self._stores is not None:
            self._store_options = await self._stores.store_options()
        self._refreshed_at = now

    async def _context(
        self, sale_ids: set[str]
    ) -> tuple[Context, dict[tuple[str, str], Allotment]]:
        levels, allotments = await self._store.allocation_snapshot(self.market_code)
        allotted_sales = {a.sale_id for a in allotments}
        missing = sorted(sale_ids - allotted_sales - self._allot_tried)
        if missing:
            for sale_id in missing:
                self._allot_tried.add(sale_id)
                await self._allot(sale_id)
            levels, allotments = await self._store.allocation_snapshot(self.market_code)
        return _context(
            self._settings_now(), self._market_locations, levels, allotments, self._store_options
        )

    async def _allot(self, sale_id: str) -> None:
        """A sale met without allotments gets them in proportion to the DCs' free stock."""
        try:
            sale = await self._sales.get(sale_id)
        except NotFound:
            return
        made = await self._allotments.allot_by_free_stock(sale)
        if made:
            log.info(
                "%s: sale %s allotted %s",
                self.name,
                sale_id,
                ", ".join(f"{a.location} {a.quantity}" for a in made),
            )

    def _settings_now(self) -> MarketFulfilment:
        return self._settings or MarketFulfilment(self.market_code)

    async def _plan_page(self, entries: Sequence[FeedEntry]) -> tuple[AllocationPlan, int]:
        paid: dict[str, FeedEntry] = {}
        cancelled: list[str] = []
        for entry in entries:
            if entry.kind is OrderEventKind.PAID:
                paid[entry.order_id] = entry
            elif entry.order_id in paid:
                del paid[entry.order_id]  # paid and cancelled in one page: nothing to ship
            else:
                cancelled.append(entry.order_id)
        if self._check_placed and paid:
            for fo in await self._store.fulfilment_orders_of(list(paid)):
                paid.pop(fo.source_id, None)
        ctx, allotments = await self._context({e.sale_id for e in paid.values()})
        self._carried = (ctx, {sale_id for sale_id, _ in allotments})
        builder = PlanBuilder(self.market_code, self._clock.now(), _Ids())
        released = 0
        if cancelled:
            for fo in await self._store.fulfilment_orders_of(cancelled):
                if fo.status in CANCELLABLE:
                    allotment = allotments.get((fo.sale_id, fo.location or ""))
                    closed = allotment is None or allotment.closed
                    builder.cancel(fo, "the order was cancelled", closed)
                    if fo.location is not None and fo.status is FulfilmentStatus.ALLOCATED:
                        ctx.available.give_back(
                            fo.sale_id,
                            fo.location,
                            fo.sku,
                            fo.quantity,
                            0 if closed else fo.from_allotment,
                        )
                    released += 1
                elif fo.status is not FulfilmentStatus.CANCELLED:
                    # The cancel's check passed just before picking started: the units are in
                    # hand, so the parcel goes out and comes back as a return.
                    log.warning(
                        "%s: order %s was cancelled while %s is %s: handle it as a return",
                        self.name,
                        fo.source_id,
                        fo.id,
                        fo.status,
                    )
        place = builder.decide_new
        for e in paid.values():
            place(Need(e.order_id, e.sale_id, e.sku, e.quantity, e.region, e.at, e.pickup), ctx)
        return builder.finish(""), released

    async def _retry_waiting(self) -> Allocated:
        now = self._monotonic()
        if not self._retry_due and now - self._retried_at < RETRY_SECONDS:
            return Allocated()
        self._retry_due = False
        self._retried_at = now
        waiting = await self._store.unallocated_orders(self.market_code, self._batch)
        if not waiting:
            return Allocated()
        pickups = await self._store.pickup_stores([fo.source_id for fo in waiting])
        for attempt in range(MAX_ATTEMPTS):
            await self._refresh(force=attempt > 0)
            ctx, _ = await self._context({fo.sale_id for fo in waiting})
            builder = PlanBuilder(self.market_code, self._clock.now(), _Ids())
            for fo in waiting:
                need = Need(
                    fo.source_id, fo.sale_id, fo.sku, fo.quantity, fo.region, fo.paid_at,
                    pickups.get(fo.source_id),
                )  # fmt: skip
                decision = decide(need, ctx)
                if decision.parts:
                    builder.retried(fo, decision)
            plan = builder.finish("")
            if plan.empty:
                return Allocated()
            try:
                await self._store.write_allocation(self.name, None, None, plan, "allocation retry")
            except StaleSnapshot:
                continue
            return Allocated(retried=len(plan.placed), allocated=plan.allocated)
        raise RuntimeError(f"{self.name}: {MAX_ATTEMPTS} snapshots in a row went stale")

    async def release_closed_sales(self, sales: SaleCatalogue, units: SaleUnits) -> int:
        """Allotments of the market's ended sales (past their payment window) give back what
        the sale did not sell: each keeps only what its paid orders still waiting for a
        location need. Returns the sales trimmed."""
        now = self._clock.now()  # moved back, never the stored times forward: year 9999 is valid
        ended = [
            s
            for s in await sales.all()
            if s.market_code == self.market_code and now - s.payment_window >= s.closes_at
        ]
        if not ended:
            return 0
        _, allotments = await self._store.allocation_snapshot(self.market_code)
        by_sale: dict[str, list[Allotment]] = {}
        for a in allotments:
            by_sale.setdefault(a.sale_id, []).append(a)
        due = [s for s in ended if any(a.remaining for a in by_sale.get(s.id, []))]
        if not due:
            return 0
        held = await units.units_held([s.id for s in due])
        allocated = await self._store.units_allocated([s.id for s in due])
        for sale in due:
            keep = held.get(sale.id, 0) - allocated.get(sale.id, 0)
            await self._allotments.trim(sale.id, trimmed(by_sale[sale.id], keep))
        return len(due)


def _context(
    settings: MarketFulfilment,
    locations: Sequence[Location],
    levels: Sequence[StockLevel],
    allotments: Sequence[Allotment],
    stores: StoreOptions | None = None,
) -> tuple[Context, dict[tuple[str, str], Allotment]]:
    free = {(level.location, level.sku): level.free for level in levels}
    allotted = {(a.sale_id, a.location): a.remaining for a in allotments if a.remaining > 0}
    by_key = {(a.sale_id, a.location): a for a in allotments}
    options = stores or StoreOptions()
    return Context(settings, locations, Availability(free, allotted), options), by_key


@dataclass(frozen=True, slots=True)
class _Prepared:
    page: FeedPage
    plan: AllocationPlan
    writing: asyncio.Future[bool] | None  # its write, sent behind the batch before it


class _Ids:
    """Fulfilment order ids for one batch: the kernel's id (time, then random bits) once, its
    last 24 bits then counting: as opaque and time-ordered, without 10,000 random draws."""

    def __init__(self) -> None:
        self._stem = new_id("fo")[:-6]
        self._next = 0

    def __call__(self) -> str:
        self._next += 1
        return f"{self._stem}{self._next:06x}"


def _let_go(writing: asyncio.Future[bool] | None) -> None:
    if writing is not None:
        writing.add_done_callback(_ignore)


def _ignore(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a task let go (a page read ahead, a write) may have failed


def _monotonic() -> float:
    return asyncio.get_running_loop().time()
