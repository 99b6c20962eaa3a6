"""The waiting room in front of a sale: join, status, admission, fair order, and its proof.

A sale without room settings has an *open room*: nothing changes for it, and the purchase path
pays one dict lookup (``is_open``). A sale with settings (``configure``) enforces admission: a
purchase needs an admission token, which a customer gets by joining the queue and waiting to be
admitted.

The background loop (``run_forever``, started by ``Shop.start``) does, for each enforced sale,
every ``tick_seconds``: at the opening, seal the pre-queue in the order of the committed seed and
publish it in the store; then admit whoever is due (stock-aware, at the configured rate; the
room state makes this one decision across processes); then push the new standing to every
subscriber of the live stream whose view changed. Sold out is therefore seen by every waiting
stream within one tick. Room settings stored by another process are picked up every
``refresh_seconds``; a sale this process has not seen is looked up once when first bought.

The seed is revealed (``fairness``) once the sale is over: closed, or sold out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from flashsale.kernel.batching import Batcher
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotRegistered, SaleClosed
from flashsale.kernel.keys import PROOF_OF_WORK, derive_key
from flashsale.record.store import Store
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import StockGate
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.domain.errors import (
    AdmissionRequired,
    AdmissionTokenExpired,
    AdmissionTokenNotYours,
    AdmissionTokenUsed,
    NoWaitingRoom,
    ProofOfWorkRequired,
)
from flashsale.waiting_room.domain.proof_of_work import solves
from flashsale.waiting_room.domain.room import (
    Place,
    QueueState,
    QueueView,
    RoomConfig,
    RoomSettings,
    RoomSummary,
    SaleFacts,
    Standing,
    Use,
    view_of,
)
from flashsale.waiting_room.ports import Entry, RoomState, Verdict
from flashsale.waiting_room.service.admission import AdmissionTokens, Challenges
from flashsale.waiting_room.service.rate_limits import RateLimits

log = logging.getLogger(__name__)

RESERVED_REFRESH_MS = 1000
SEAL_ATTEMPTS = 5


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class QueueStatus:
    sale_id: str
    customer_id: str
    view: QueueView
    admission_token: str | None
    commitment: str


@dataclass(frozen=True, slots=True)
class Challenge:
    challenge: str
    difficulty: int


@dataclass(frozen=True, slots=True)
class FairnessReport:
    room: RoomConfig
    revealed: bool
    positions: list[tuple[str, int]]
    verification: fairness.Verification | None  # None until the seed is revealed


@dataclass
class _Live:
    summary: RoomSummary
    facts: SaleFacts
    reserved_at: int = 0  # epoch ms of the last read of the reserved units


class Subscription:
    """One live stream's latest status; a newer status replaces one not yet read."""

    def __init__(self, sale_id: str, customer_id: str) -> None:
        self.sale_id = sale_id
        self.customer_id = customer_id
        self.standing = Standing()
        self.last: QueueStatus | None = None
        self._pending: QueueStatus | None = None
        self._changed = asyncio.Event()

    def offer(self, status: QueueStatus) -> None:
        if status != self.last:
            self.last = self._pending = status
            self._changed.set()

    async def next(self, wait_seconds: float) -> QueueStatus | None:
        """The next changed status, or None after ``wait_seconds`` without one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), wait_seconds)
        self._changed.clear()
        status, self._pending = self._pending, None
        return status

    def needs_standing(self, summary: RoomSummary) -> bool:
        s = self.standing
        if s.place is Place.ABSENT or s.position is None:
            return True
        # Admitted since, or admitted and maybe bought since (at most stock-many such streams).
        return s.position <= summary.cursor and not s.used


class WaitingRoom:
    def __init__(
        self,
        store: Store,
        gate: StockGate,
        clock: Clock,
        directory: SaleDirectory,
        state: RoomState,
        limits: RateLimits,
        admission_key: str,
        *,
        proof_of_work_key: str | None = None,
        tick_seconds: float = 0.1,
        refresh_seconds: float = 2.0,
    ) -> None:
        self._store = store
        self._gate = gate
        self._clock = clock
        self._directory = directory
        self._state = state
        self._limits = limits
        self._tokens = AdmissionTokens(admission_key)
        # Given one key, the challenges still get their own: one derived from it.
        self._challenges = Challenges(proof_of_work_key or derive_key(admission_key, PROOF_OF_WORK))
        self._tick_seconds = tick_seconds
        self._refresh_seconds = refresh_seconds
        self._enforced: dict[str, RoomConfig] = {}
        self._open: set[str] = set()  # sales known to have no room settings
        self._live: dict[str, _Live] = {}
        self._live_now: dict[str, tuple[_Live, int, _Live]] = {}  # (of which, at, the copy)
        self._refreshing: dict[str, asyncio.Future[_Live]] = {}
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._registered: Batcher[tuple[str, str], bool] = Batcher(self._registered_batch)
        # Customers the record said are registered, per sale (registrations are never
        # withdrawn); read whole (``_complete``) once the sale's registration has closed, if the
        # room state turns out not to see them.
        self._known_registered: dict[str, set[str]] = {}
        self._complete: set[str] = set()
        self._refreshed_at = 0.0

    @property
    def state(self) -> RoomState:
        return self._state

    # -- settings ---------------------------------------------------------------------------

    async def load(self) -> None:
        """Learn which sales enforce a room (at start, then every refresh)."""
        rooms = {room.sale_id: room for room in await self._store.rooms()}
        sales = await self._store.sales()
        self._enforced = rooms
        self._open = {sale.id for sale in sales if sale.id not in rooms}
        self._refreshed_at = time.monotonic()

    async def configure(self, sale_id: str, settings: RoomSettings) -> RoomConfig:
        """Enforce a room for the sale, or change its settings; the seed is drawn once."""
        await self._directory.get(sale_id)
        known = await self._store.room(sale_id)
        if known is None:
            seed = secrets.token_bytes(fairness.SEED_BYTES)
            room = RoomConfig(sale_id, settings, seed, fairness.commitment(seed), self._clock.now())
        else:
            room = replace(known, settings=settings)
        await self._store.put_room(room)
        self._enforced[sale_id] = room
        self._open.discard(sale_id)
        return room

    async def close(self) -> None:
        await self._registered.wait_idle()
        await self._state.close()
        await self._limits.close()

    def is_open(self, sale_id: str) -> bool:
        """True when the sale is known to need no admission: the purchase path's fast check."""
        return sale_id in self._open

    async def room_of(self, sale_id: str) -> RoomConfig | None:
        room = self._enforced.get(sale_id)
        if room is not None or sale_id in self._open:
            return room
        room = await self._store.room(sale_id)
        if room is not None:
            self._enforced[sale_id] = room
        elif await self._store.sale(sale_id) is not None:
            self._open.add(sale_id)  # only real sales: unknown ids must not grow the set
        return room

    async def _require_room(self, sale_id: str) -> tuple[FlashSale, RoomConfig]:
        # Both from this process's caches when it has them: no await on a join's hot path.
        sale = self._directory.ready(sale_id) or await self._directory.get(sale_id)
        room = self._enforced.get(sale_id) or await self.room_of(sale_id)
        if room is None:
            raise NoWaitingRoom(f"sale {sale_id} has an open room: no queue, buy directly")
        return sale, room

    # -- customers ----------------------------------------------------------------------------

    async def challenge(self, sale_id: str, customer_id: str) -> Challenge:
        _, room = await self._require_room(sale_id)
        return Challenge(self._challenges.issue(sale_id, customer_id), room.settings.pow_difficulty)

    async def join(
        self,
        sale_id: str,
        customer_id: str,
        address: str,
        proof: tuple[str, str] | None = None,
    ) -> tuple[QueueStatus, bool]:
        """Queue the customer; also returns True when they were not in line before.

        The checks come in this order: rate limits (429), the sale still open, the proof of
        work, the registration, the address's registration cap. All but the local ones are one
        call of the room state (one script in Redis, reading the gate's registrations). A
        registration neither this process nor the state can confirm costs a read of the record
        and a second call; once the sale's registration has closed, the first such read that
        finds one takes every registration at once (the embedded room state confirms none).
        """
        sale, room = await self._require_room(sale_id)
        settings = room.settings
        now = self._clock.now()
        now_ms = epoch_ms(now)
        refusal = self._refusal(sale, settings, customer_id, now, proof)
        if refusal is not None:
            # Still rate-limited first: a flood of bad proofs is told to slow down.
            await self._limits.check(sale_id, customer_id, address, settings, now_ms)
            raise refusal
        limits = self._limits
        cap = limits.cap(address, settings)
        known = customer_id in self._known_registered.get(sale_id, ())
        entry = Entry(customer_id, limits.buckets(customer_id, address, settings), cap, known)
        before = now < sale.opens_at
        (entered,) = await self._state.enter_checked(
            sale_id, [entry], before_opening=before, now_ms=now_ms, limiter=limits.limiter
        )
        if entered.verdict is Verdict.UNCONFIRMED:
            if not await self._registered.submit((sale_id, customer_id)):
                raise NotRegistered("register for the sale before joining its queue")
            (entered,) = await self._state.enter_checked(
                sale_id,
                [Entry(customer_id, (), cap, registered=True)],
                before_opening=before,
                now_ms=now_ms,
                limiter=limits.limiter,
            )
        if entered.verdict is Verdict.LIMITED:
            raise limits.too_many(entered.wait_ms)
        if entered.verdict is Verdict.CAP_REACHED:
            raise limits.cap_reached(settings)
        live = await self._live_of(sale, room)
        return self._status_of(room, customer_id, entered.standing, live), entered.new

    def _refusal(
        self,
        sale: FlashSale,
        settings: RoomSettings,
        customer_id: str,
        now: datetime,
        proof: tuple[str, str] | None,
    ) -> Exception | None:
        """Why a join is refused before it reaches the room state, if it is."""
        if now >= sale.closes_at:
            return SaleClosed(f"the sale closed at {sale.closes_at.isoformat()}")
        if not settings.pow_difficulty:
            return None
        if proof is None:
            return ProofOfWorkRequired(
                f"solve a challenge of difficulty {settings.pow_difficulty} first"
                f" (GET /api/v1/sales/{sale.id}/queue/challenge)"
            )
        challenge, nonce = proof
        try:
            self._challenges.check(challenge, sale.id, customer_id)
        except ProofOfWorkRequired as refused:  # a forged, expired or someone else's challenge
            return refused
        if not solves(challenge, nonce, settings.pow_difficulty):
            return ProofOfWorkRequired("the nonce does not solve the challenge")
        return None

    async def status(self, sale_id: str, customer_id: str, address: str) -> QueueStatus:
        sale, room = await self._require_room(sale_id)
        live = await self._live_of(sale, room)
        buckets = self._limits.buckets(customer_id, address, room.settings)
        ((wait_ms, standing),) = await self._state.standings_checked(
            sale_id, [(customer_id, buckets)], live.facts.now_ms, self._limits.limiter
        )
        if wait_ms:
            raise self._limits.too_many(wait_ms)
        return self._status_of(room, customer_id, standing, live)

    def _status_of(
        self, room: RoomConfig, customer_id: str, standing: Standing, live: _Live
    ) -> QueueStatus:
        view = view_of(standing, live.summary, live.facts, room.settings.admission_rate_per_second)
        token = None
        if view.state is QueueState.ADMITTED and view.admitted_until_ms is not None:
            token = self._tokens.issue(room.sale_id, customer_id, view.admitted_until_ms)
        return QueueStatus(room.sale_id, customer_id, view, token, room.commitment)

    async def _registered_batch(self, items: Sequence[tuple[str, str]]) -> list[bool]:
        by_sale: dict[str, list[str]] = defaultdict(list)
        for sale_id, customer_id in items:
            by_sale[sale_id].append(customer_id)
        for sale_id, customer_ids in by_sale.items():
            known = self._known_registered.setdefault(sale_id, set())
            missing = [c for c in customer_ids if c not in known]
            if not missing:
                continue
            found = await self._store.registered_among(sale_id, missing)
            known.update(found)
            if found and sale_id not in self._complete:
                # The room state could not confirm registrations the record holds: it does not
                # see them (in-process; a bucketed gate). Once registration has closed, read them
                # all at once. A miss is still asked of the record afterwards: a registration
                # stored after this read (in flight at the close, or an edit reopened the window).
                sale = await self._directory.get(sale_id)
                if self._clock.now() >= sale.registration_closes_at:
                    known.update(await self._store.registered_customers(sale_id))
                    self._complete.add(sale_id)
        return [c in self._known_registered[s] for s, c in items]

    # -- the purchase path --------------------------------------------------------------------

    async def admit_purchase(
        self,
        sale_id: str,
        customer_id: str,
        token: str | None,
        address: str,
        idempotency_key: str | None,
    ) -> None:
        """Let a purchase through the room, or raise its refusal (403, or 429 rate-limited).

        A sale with an open room passes at once. Otherwise: the customer's and the address's
        rate limits, then the token: signed by us, this customer's for this sale, not expired,
        and spent now (a retry with the same Idempotency-Key may present it again).
        """
        if sale_id in self._open:
            return
        room = await self.room_of(sale_id)
        if room is None:
            return
        now_ms = epoch_ms(self._clock.now())
        await self._limits.check(sale_id, customer_id, address, room.settings, now_ms)
        if token is None:
            raise AdmissionRequired(
                "this sale admits buyers through its waiting room: join the queue"
                f" (POST /api/v1/sales/{sale_id}/queue) and buy with the admission token"
                " in the Admission-Token header"
            )
        claim = self._tokens.read(token)
        if claim.sale_id != sale_id or claim.customer_id != customer_id:
            raise AdmissionTokenNotYours("this admission token was issued for another purchase")
        if claim.until_ms <= now_ms:
            raise AdmissionTokenExpired("the admission token has expired; join the queue again")
        (use,) = await self._state.consume(
            sale_id, [(customer_id, claim.until_ms, idempotency_key or "")], now_ms
        )
        if use is Use.USED:
            raise AdmissionTokenUsed("this admission was spent on a purchase already")
        if use is Use.LAPSED:
            raise AdmissionTokenExpired("this admission is no longer valid; join the queue again")

    # -- fairness -----------------------------------------------------------------------------

    async def fairness(self, sale_id: str, *, reveal: bool | None = None) -> FairnessReport:
        """The commitment, the published pre-queue, and once revealed the check of both.

        ``reveal`` None reveals when the sale is over (closed or sold out); the operator's CLI
        passes True: it reads the seed from the database anyway.
        """
        sale = await self._directory.get(sale_id)
        room = await self._store.room(sale_id)
        if room is None:
            raise NoWaitingRoom(f"sale {sale_id} has no waiting room")
        if reveal is None:
            now = self._clock.now()
            stock_left = await self._gate.stock_left(sale_id)
            reveal = now >= sale.closes_at or (now >= sale.opens_at and stock_left == 0)
        positions = await self._store.queue_positions(sale_id)
        verification = None
        if reveal:
            verification = fairness.verify(room.seed, room.commitment, positions)
        return FairnessReport(room, reveal, positions, verification)

    # -- the background loop ------------------------------------------------------------------

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the next tick tries again; the room's state is intact
                log.exception("waiting-room tick failed")
            await asyncio.sleep(self._tick_seconds)

    async def tick(self) -> None:
        if time.monotonic() - self._refreshed_at >= self._refresh_seconds:
            await self.load()
        for sale_id, room in list(self._enforced.items()):
            sale = await self._directory.get(sale_id)
            now = self._clock.now()
            if now >= sale.closes_at and sale_id not in self._subscribers:
                self._live.pop(sale_id, None)
                self._live_now.pop(sale_id, None)
                self._known_registered.pop(sale_id, None)
                self._complete.discard(sale_id)
                continue
            if now >= sale.opens_at and room.sealed_at is None:
                room = await self._seal(sale, room)
            live = await self._refresh(sale, room, admit=True)
            await self._notify(room, live)

    async def _seal(self, sale: FlashSale, room: RoomConfig) -> RoomConfig:
        """Seal the pre-queue in its fair order (one process wins), then publish that order."""
        for _ in range(SEAL_ATTEMPTS):
            arrivals = await self._state.pre_queue(sale.id)
            if room.settings.shuffle_pre_queue:
                order = fairness.shuffled(room.seed, (c for c, _ in arrivals))
            else:
                order = [c for c, _ in sorted(arrivals, key=lambda a: a[1])]
            if await self._state.seal(sale.id, order) >= 0:
                break
        published = await self._state.sealed_order(sale.id)
        await self._store.publish_queue(sale.id, published, self._clock.now())
        stored = await self._store.room(sale.id)
        room = stored or room
        self._enforced[sale.id] = room
        return room

    async def _refresh(self, sale: FlashSale, room: RoomConfig, *, admit: bool) -> _Live:
        now = self._clock.now()
        now_ms = epoch_ms(now)
        stock_left = await self._gate.stock_left(sale.id)
        if stock_left is None:  # another process owns the gate and has not loaded it yet
            stock_left = sale.stock_total - sum(
                (await self._store.held_by_customer(sale.id)).values()
            )
        previous = self._live.get(sale.id)
        # Units held by reservations change slowly and cost a store read: once a second.
        if previous is not None and now_ms - previous.reserved_at < RESERVED_REFRESH_MS:
            reserved, reserved_at = previous.facts.reserved, previous.reserved_at
        else:
            reserved, reserved_at = await self._store.units_reserved(sale.id), now_ms
        is_open = sale.opens_at <= now < sale.closes_at
        if admit and is_open:
            summary = await self._state.admit(sale.id, room.settings, stock_left, now_ms)
        else:
            summary = await self._state.summary(sale.id, now_ms)
        facts = SaleFacts(now_ms, is_open, now >= sale.closes_at, stock_left, reserved)
        live = self._live[sale.id] = _Live(summary, facts, reserved_at)
        return live

    async def _live_of(self, sale: FlashSale, room: RoomConfig) -> _Live:
        live = self._live.get(sale.id)
        now_ms = epoch_ms(self._clock.now())
        if live is None or now_ms - live.facts.now_ms > max(1000, 10_000 * self._tick_seconds):
            # One refresh for every caller that finds the figures stale: a burst of status
            # reads must not each read the store (that stampede grows slower than its period).
            pending = self._refreshing.get(sale.id)
            if pending is None:
                pending = asyncio.ensure_future(self._refresh(sale, room, admit=False))
                self._refreshing[sale.id] = pending
                pending.add_done_callback(lambda _: self._refreshing.pop(sale.id, None))
            return await asyncio.shield(pending)
        # The tick's figures, with this moment's clock (an admission may have lapsed since);
        # one copy per millisecond, built directly (dataclasses.replace cost a tenth of a join).
        source, at_ms, copy = self._live_now.get(sale.id, (None, 0, live))
        if source is not live or at_ms != now_ms:
            f = live.facts
            facts = SaleFacts(now_ms, f.open, f.closed, f.stock_left, f.reserved)
            copy = _Live(live.summary, facts, live.reserved_at)
            self._live_now[sale.id] = (live, now_ms, copy)
        return copy

    # -- live streams ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def subscribe(self, sale_id: str, customer_id: str) -> AsyncIterator[Subscription]:
        sale, room = await self._require_room(sale_id)
        subscription = Subscription(sale_id, customer_id)
        live = await self._live_of(sale, room)
        (subscription.standing,) = await self._state.standings(
            sale_id, [customer_id], live.facts.now_ms
        )
        subscription.offer(self._status_of(room, customer_id, subscription.standing, live))
        self._subscribers[sale_id].add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(sale_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[sale_id]

    async def _notify(self, room: RoomConfig, live: _Live) -> None:
        subscribers = list(self._subscribers.get(room.sale_id, ()))
        if not subscribers:
            return
        stale = [s for s in subscribers if s.needs_standing(live.summary)]
        if stale:
            # One batched read for every stream whose place may have changed.
            customers = [s.customer_id for s in stale]
            standings = await self._state.standings(room.sale_id, customers, live.facts.now_ms)
            for subscription, standing in zip(stale, standings, strict=True):
                subscription.standing = standing
        for subscription in subscribers:
            subscription.offer(
                self._status_of(room, subscription.customer_id, subscription.standing, live)
            )
