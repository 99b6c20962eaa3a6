"""One fan at the opening: buy, then pay, walk away, or come back for a second chance.

An abusive fan instead hammers the purchase endpoint: back to back, a new key each time, never
waiting for Retry-After; whatever it gets counts like any other acknowledged purchase.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from flashsale.lab.crowd.behaviour import CrowdPlan, FanPlan
from flashsale.lab.crowd.client import TRANSPORT_FAILED, Reply, ShopClient
from flashsale.lab.crowd.outcomes import CrowdLog, Outcome, Reservation
from flashsale.lab.crowd.server_clock import ServerClock
from flashsale.orders.adapters.sandbox_payments import CARD_DECLINED, CARD_SUCCEEDS
from flashsale.sales import errors as sale_errors

# Answers worth the same request again a moment later (429 and 503 carry Retry-After).
RETRYABLE = frozenset({TRANSPORT_FAILED, 429, 503})
# A fan whose clock estimate runs a hair early gets 425; it knocks again this often at most.
MAX_EARLY_KNOCKS = 40
EARLY_KNOCK_PAUSE = 0.05


@dataclass(frozen=True, slots=True)
class Fan:
    customer_id: str
    token: str


@dataclass(frozen=True, slots=True)
class SaleTerms:
    sale_id: str
    stock_total: int
    per_customer_limit: int
    opens_at: datetime
    closes_at: datetime
    payment_window_seconds: float


def problem_code(reply: Reply) -> str:
    """The last segment of the problem ``type`` (``/problems/sold-out`` -> ``sold-out``)."""
    return str(reply.body.get("type", "")).rsplit("/", 1)[-1]


def refusal_outcome(reply: Reply) -> Outcome:
    code = problem_code(reply)
    if code in (sale_errors.SoldOut.code, sale_errors.InsufficientStock.code):
        return Outcome.SOLD_OUT
    if code == sale_errors.LimitReached.code:
        return Outcome.LIMIT_REACHED
    if code == sale_errors.SaleClosed.code:
        return Outcome.CLOSED
    if code == sale_errors.NotRegistered.code:
        return Outcome.NOT_REGISTERED
    return Outcome.FAILED


@dataclass(frozen=True, slots=True)
class Step:
    """What a fan does after a click: done (``outcome``), pay ``orders``, or come back."""

    outcome: Outcome | None = None
    orders: tuple[tuple[str, int], ...] = ()
    back_after: float | None = None  # seconds after the opening: a second chance


class FanJourney:
    __slots__ = (
        "_client",
        "_clock",
        "_fan",
        "_fan_plan",
        "_log",
        "_payer",
        "_plan",
        "_rng",
        "_terms",
    )

    def __init__(
        self,
        fan: Fan,
        fan_plan: FanPlan,
        *,
        client: ShopClient,
        payer: ShopClient | None = None,
        terms: SaleTerms,
        clock: ServerClock,
        plan: CrowdPlan,
        log: CrowdLog,
        rng: random.Random,
    ) -> None:
        self._fan = fan
        self._fan_plan = fan_plan
        self._client = client
        # Payments on a pool of their own: behind thousands of clicks they waited until the
        # reservation had expired, and the shop resold the unit (measured at full size).
        self._payer = payer or client
        self._terms = terms
        self._clock = clock
        self._plan = plan
        self._log = log
        self._rng = rng

    async def click(self, *, second_chance: bool) -> Step:
        """One click (a purchase with its retries), and what this fan does next.

        Kept short on purpose: the crowd's workers run it, so a fan who waits (to pay, or to
        come back after the payment window) hands that wait back as a ``Step``.
        """
        if self._fan_plan.abusive:
            return await self._hammer()
        reply = await self._buy(second_chance=second_chance)
        if reply.status != 201:
            outcome = self._refused(reply)
            if outcome is Outcome.SOLD_OUT and self._fan_plan.returns and not second_chance:
                back_at = self._plan.return_margin_seconds + self._terms.payment_window_seconds
                back_after = back_at + self._rng.uniform(0.0, 1.0)
                if self._clock.seconds_until(self._terms.closes_at) > back_after - (
                    self._since_opening()
                ):
                    return Step(back_after=back_after)
            return Step(outcome=outcome)
        order_id = self._note_reservation(reply, second_chance=second_chance)
        # A fan who came back for a second chance does not walk away from it.
        if self._fan_plan.abandons and not second_chance:
            return Step(outcome=Outcome.ABANDONED)
        return Step(orders=((order_id, int(reply.body["quantity"])),))

    async def settle(self, orders: tuple[tuple[str, int], ...]) -> Outcome:
        """Look at the reservations, pay them, and count how this fan fared."""
        await self._think()
        outcomes = [await self._pay(order_id, quantity) for order_id, quantity in orders]
        outcome = Outcome.PAID if all(o is Outcome.PAID for o in outcomes) else outcomes[-1]
        self._log.outcomes[outcome] += 1
        return outcome

    def done(self, outcome: Outcome) -> None:
        self._log.outcomes[outcome] += 1

    async def register(self) -> None:
        """Registering is worth retrying; a fan who never gets through still tries to buy."""
        for attempt in range(1, self._plan.purchase_attempts + 1):
            reply = await self._client.register(self._fan.token, self._terms.sale_id)
            self._log.took("registration", reply.seconds, reply.answer)
            if reply.ok:
                self._log.registered += 1
                return
            if reply.status not in RETRYABLE:
                self._log.failures[f"registration {reply.status} {reply.problem}"] += 1
                return
            await asyncio.sleep(self._pause(reply, attempt))
        self._log.failures["registration gave up after retries"] += 1

    def _since_opening(self) -> float:
        return -self._clock.seconds_until(self._terms.opens_at)

    def _pause(self, reply: Reply, attempt: int) -> float:
        """Back off as the server asked, and a little more each time it asks again."""
        return max(reply.retry_after or 0.0, self._plan.retry_pause_seconds * attempt)

    async def _buy(self, *, second_chance: bool) -> Reply:
        clicked = self._log.elapsed()
        reply = await self._purchase()
        if not second_chance:
            won = self._log.elapsed() if reply.status == 201 else None
            self._log.first_clicks.append((clicked, won))
        return reply

    def _refused(self, reply: Reply) -> Outcome:
        if reply.status in RETRYABLE:
            self._log.failures[f"purchase gave up after retries: {reply.problem}"] += 1
            return Outcome.FAILED
        outcome = refusal_outcome(reply)
        if outcome is Outcome.FAILED:
            self._log.failures[f"purchase {reply.status} {reply.problem}"] += 1
        return outcome

    def _note_reservation(self, reply: Reply, *, second_chance: bool) -> str:
        order_id = str(reply.body["order_id"])
        self._log.reserved(
            Reservation(
                order_id=order_id,
                customer_id=self._fan.customer_id,
                quantity=int(reply.body["quantity"]),
                expires_at=datetime.fromisoformat(str(reply.body["expires_at"])),
                after_opening=self._log.elapsed(),
                second_chance=second_chance,
            )
        )
        return order_id

    async def _think(self) -> None:
        """Look at the reservation before paying; never so long that it expires meanwhile."""
        window = self._terms.payment_window_seconds
        await asyncio.sleep(min(self._fan_plan.thinks_for, window / 2))

    async def _hammer(self) -> Step:
        """Fire every purchase at once in a row, ignoring Retry-After, then pay what came."""
        clicked = self._log.elapsed()
        won: float | None = None
        orders: list[tuple[str, int]] = []
        last = Reply(TRANSPORT_FAILED)
        for _ in range(self._plan.hammer_requests):
            last = await self._client.purchase(
                self._fan.token, self._terms.sale_id, self._plan.quantity, uuid.uuid4().hex
            )
            self._log.took("purchase", last.seconds, last.answer)
            self._log.purchase_replies[last.status] += 1
            if last.status == 201:
                won = self._log.elapsed() if won is None else won
                order_id = self._note_reservation(last, second_chance=False)
                orders.append((order_id, int(last.body["quantity"])))
        self._log.first_clicks.append((clicked, won))
        if not orders:
            outcome = Outcome.FAILED if last.status in RETRYABLE else refusal_outcome(last)
            return Step(outcome=outcome)
        if self._fan_plan.abandons:
            return Step(outcome=Outcome.ABANDONED)
        return Step(orders=tuple(orders))

    async def _purchase(self) -> Reply:
        key = uuid.uuid4().hex  # one key for every retry: the server answers it once
        attempts = early_knocks = 0
        while True:
            reply = await self._client.purchase(
                self._fan.token, self._terms.sale_id, self._plan.quantity, key
            )
            self._log.took("purchase", reply.seconds, reply.answer)
            self._log.purchase_replies[reply.status] += 1
            if reply.status == 425 and early_knocks < MAX_EARLY_KNOCKS:
                early_knocks += 1
                await asyncio.sleep(EARLY_KNOCK_PAUSE)
                continue
            attempts += 1
            if reply.status not in RETRYABLE or attempts >= self._plan.purchase_attempts:
                return reply
            await asyncio.sleep(self._pause(reply, attempts))

    async def _pay(self, order_id: str, quantity: int) -> Outcome:
        if self._fan_plan.declined_first:
            declined = await self._payer.pay(self._fan.token, order_id, CARD_DECLINED)
            self._log.took("payment", declined.seconds, declined.answer)
            if declined.status != 402:
                self._log.failures[f"declined card answered {declined.status}"] += 1
        for attempt in range(1, self._plan.payment_attempts + 1):
            reply = await self._payer.pay(self._fan.token, order_id, CARD_SUCCEEDS)
            self._log.took("payment", reply.seconds, reply.answer)
            if reply.status == 200:
                self._log.paid_units += quantity
                return Outcome.PAID
            if reply.status not in RETRYABLE:
                self._log.failures[f"payment {reply.status} {reply.problem}"] += 1
                return Outcome.PAYMENT_FAILED
            await asyncio.sleep(self._pause(reply, attempt))
        self._log.failures["payment gave up after retries"] += 1
        return Outcome.PAYMENT_FAILED


def monotonic_opening(clock: ServerClock, opens_at: datetime) -> float:
    """The opening on this host's monotonic clock (in the past if the sale is already open)."""
    return time.monotonic() + clock.seconds_until(opens_at)
