"""The whole sale as a hypothesis state machine over the service layer on the memory adapters.

Random interleavings of registering, buying (with fresh, replayed or no idempotency keys, alone
or in a rush), paying with every test card, cancelling, moving the clock across opening, expiry
and closing, sweeping, failing commits and restarting the process. After every step the record,
the gate and the payment gateway must agree and no unit may be sold twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.adapters.sandbox_payments import (
    CARD_DECLINED,
    CARD_INSUFFICIENT_FUNDS,
    CARD_SUCCEEDS,
    CARD_TIMES_OUT,
)
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.errors import (
    InsufficientFunds,
    OrderExpired,
    OrderNotCancellable,
    OrderNotPayable,
    PaymentDeclined,
    PaymentGatewayUnavailable,
)
from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.domain.purchase import decide
from flashsale.sales.errors import (
    CommitFailed,
    IdempotencyKeyReused,
    PurchaseRefused,
    RegistrationClosed,
)
from flashsale.sales.service.purchasing import PurchaseResult
from tests.unit.conftest import (
    CLOSES,
    ONE_MICROSECOND,
    OPENS,
    REGISTRATION_OPENS,
    World,
    build_world,
    quick_customer,
)

STOCK = 3
LIMIT = 2
CUSTOMERS = [quick_customer(n).id for n in range(1, 5)]
BAD_LUHN = "4242424242424241"
CARDS = [CARD_SUCCEEDS, CARD_DECLINED, CARD_INSUFFICIENT_FUNDS, CARD_TIMES_OUT, BAD_LUHN]
CARD_ERRORS = (PaymentDeclined, InsufficientFunds, PaymentGatewayUnavailable, InvalidInput)
# Moments worth landing on exactly; "expiry" means the expiry instant of a known order.
LANDMARKS = ["opens-1us", "opens", "expiry", "expiry-1us", "closes-1us", "closes"]

T = TypeVar("T")


class FlashSaleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.world: World = self.run(build_world(stock=STOCK, limit=LIMIT))
        self.acknowledged: dict[str, Order] = {}  # order id -> the order the caller was given
        self.by_key: dict[tuple[str, str], str] = {}  # acknowledged keys -> order id
        self.keys: list[tuple[str, str]] = []  # every key ever sent, for retries
        self.keys_sent = 0

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.world.shop.aclose())
        self.loop.close()

    @property
    def sale_id(self) -> str:
        return self.world.sale.id

    # ---------------------------------------------------------------- set-up and registration

    @initialize(
        registered=st.sets(st.sampled_from(CUSTOMERS), min_size=1),
        start=st.sampled_from([OPENS, OPENS, OPENS - ONE_MICROSECOND, REGISTRATION_OPENS]),
    )
    def customers_sign_up_and_some_register(self, registered: set[str], start: datetime) -> None:
        self.run(self.world.store.add_customers([quick_customer(n) for n in range(1, 5)]))
        self.world.at(REGISTRATION_OPENS)
        for customer_id in sorted(registered):
            assert self.run(self.world.shop.sales.register(self.sale_id, customer_id))
        # Mostly start at the opening: the interesting steps happen while the sale is open.
        self.world.at(start)

    @rule(customer=st.sampled_from(CUSTOMERS))
    def register(self, customer: str) -> None:
        already = self.run(self.world.store.is_registered(self.sale_id, customer))
        try:
            created = self.run(self.world.shop.sales.register(self.sale_id, customer))
        except RegistrationClosed:
            assert not already
            assert not self.world.sale.accepts_registration_at(self.world.clock.now())
            return
        assert created is not already

    # ---------------------------------------------------------------- buying

    def _pick_key(self, customer: str, key_choice: int | None) -> str | None:
        if key_choice is None:
            return None
        if key_choice < 0 or not self.keys:
            self.keys_sent += 1
            key = f"key-{self.keys_sent}"
            self.keys.append((customer, key))
            return key
        # A retry of an earlier key; sent by another customer it is an unrelated key of theirs.
        _, key = self.keys[key_choice % len(self.keys)]
        self.keys.append((customer, key))
        return key

    def _acknowledge(self, order: Order, customer: str, key: str | None) -> None:
        assert order.customer_id == customer
        self.acknowledged[order.id] = order
        if key is not None:
            self.by_key.setdefault((customer, key), order.id)

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        quantity=st.integers(min_value=1, max_value=LIMIT + 1),
        key_choice=st.none() | st.integers(min_value=-1, max_value=30),
    )
    def purchase(self, customer: str, quantity: int, key_choice: int | None) -> None:
        key = self._pick_key(customer, key_choice)
        earlier = None if key is None else self.by_key.get((customer, key))
        store = self.world.store
        held = self.run(store.held_by_customer(self.sale_id))
        registered = self.run(store.is_registered(self.sale_id, customer))
        commit_fails = store.fail_next_inserts > 0
        expected = decide(
            self.world.sale,
            self.world.clock.now(),
            registered=registered,
            held=held.get(customer, 0),
            quantity=quantity,
            stock_left=STOCK - sum(held.values()),
        )
        earlier_order = None if earlier is None else self.run(store.order(earlier))
        outcome: PurchaseResult | PurchaseRefused | CommitFailed | IdempotencyKeyReused
        try:
            outcome = self.run(
                self.world.shop.purchasing.purchase(customer, self.sale_id, quantity, key)
            )
        except (PurchaseRefused, CommitFailed, IdempotencyKeyReused) as failure:
            outcome = failure
        event(f"purchase: {type(outcome).__name__}{' replay' if earlier else ''}")
        if isinstance(outcome, IdempotencyKeyReused):
            assert earlier_order is not None and earlier_order.quantity != quantity, outcome
            return
        if earlier_order is not None:
            assert earlier_order.quantity == quantity, "a key reused for another request replayed"
        if isinstance(outcome, PurchaseRefused):
            assert earlier is None, "an acknowledged key must replay, not be judged again"
            assert expected is not None, f"refused {outcome!r} but the record allowed it"
            assert type(outcome) is expected.error
            return
        if isinstance(outcome, CommitFailed):
            assert earlier is None and expected is None and commit_fails
            return
        result = outcome
        if earlier is not None:
            assert result.replayed
            assert result.order.id == earlier
            return
        assert expected is None, f"sold although the record says {expected}"
        assert not commit_fails
        assert not result.replayed
        assert result.order.quantity == quantity
        self._acknowledge(result.order, customer, key)

    @precondition(lambda self: bool(self.keys))
    @rule(
        customer=st.sampled_from(CUSTOMERS),
        quantity=st.integers(min_value=1, max_value=LIMIT),
        pick=st.integers(min_value=0, max_value=30),
    )
    def retry_a_key(self, customer: str, quantity: int, pick: int) -> None:
        """A client retrying a request it sent before, whatever became of it."""
        self.purchase(customer, quantity, pick)

    @rule(
        buyers=st.lists(st.sampled_from(CUSTOMERS), min_size=2, max_size=6),
        quantity=st.integers(min_value=1, max_value=LIMIT),
    )
    def rush(self, buyers: list[str], quantity: int) -> None:
        """Many buyers at once, through the same gate and group commit."""

        async def everyone() -> list[Any]:
            return await asyncio.gather(
                *(self.world.shop.purchasing.purchase(b, self.sale_id, quantity) for b in buyers),
                return_exceptions=True,
            )

        for buyer, outcome in zip(buyers, self.run(everyone()), strict=True):
            if isinstance(outcome, PurchaseRefused | CommitFailed):
                continue
            assert not isinstance(outcome, BaseException), outcome
            self._acknowledge(outcome.order, buyer, None)

    @rule(customer=st.sampled_from(CUSTOMERS))
    def double_click_with_one_key(self, customer: str) -> None:
        key = self._pick_key(customer, -1)
        assert key is not None

        async def twice() -> list[Any]:
            purchase = self.world.shop.purchasing.purchase
            outcomes = await asyncio.gather(
                purchase(customer, self.sale_id, 1, key),
                purchase(customer, self.sale_id, 1, key),
                return_exceptions=True,
            )
            return list(outcomes)

        first, second = self.run(twice())
        if isinstance(first, BaseException) or isinstance(second, BaseException):
            assert type(first) is type(second), (first, second)
            assert isinstance(first, PurchaseRefused | CommitFailed), first
            return
        assert first.order.id == second.order.id
        assert sorted([first.replayed, second.replayed]) == [False, True]
        self._acknowledge(first.order, customer, key)

    # ---------------------------------------------------------------- paying and cancelling

    def _stored(self, order_id: str) -> Order:
        order = self.run(self.world.store.order(order_id))
        assert order is not None
        return order

    @precondition(lambda self: bool(self.acknowledged))
    @rule(pick=st.integers(min_value=0), card=st.sampled_from(CARDS))
    def pay(self, pick: int, card: str) -> None:
        order_id = sorted(self.acknowledged)[pick % len(self.acknowledged)]
        before = self._stored(order_id)
        charges_before = len(self.world.gateway.charges())
        now = self.world.clock.now()
        try:
            paid = self.run(self.world.shop.orders.pay(before.customer_id, order_id, card))
        except OrderExpired:
            event("pay: expired")
            assert before.status is OrderStatus.EXPIRED or now >= before.expires_at
            assert len(self.world.gateway.charges()) == charges_before
            return
        except OrderNotPayable:
            assert before.status is OrderStatus.CANCELLED
            return
        except CARD_ERRORS:
            assert card != CARD_SUCCEEDS
            assert before.status is OrderStatus.RESERVED and now < before.expires_at
            assert self._stored(order_id).status is before.status
            assert len(self.world.gateway.charges()) == charges_before
            return
        event(f"pay: paid (was {before.status})")
        assert paid.status is OrderStatus.PAID
        if before.status is OrderStatus.PAID:
            assert len(self.world.gateway.charges()) == charges_before
        else:
            assert card == CARD_SUCCEEDS
            assert now < before.expires_at

    @precondition(lambda self: bool(self.acknowledged))
    @rule(pick=st.integers(min_value=0))
    def pay_with_the_good_card(self, pick: int) -> None:
        self.pay(pick, CARD_SUCCEEDS)

    @precondition(lambda self: bool(self.acknowledged))
    @rule(pick=st.integers(min_value=0))
    def cancel(self, pick: int) -> None:
        order_id = sorted(self.acknowledged)[pick % len(self.acknowledged)]
        before = self._stored(order_id)
        left_before = self.run(self.world.stock_left())
        try:
            cancelled = self.run(self.world.shop.orders.cancel(before.customer_id, order_id))
        except OrderNotCancellable:
            assert before.status not in (OrderStatus.RESERVED, OrderStatus.PAID)
            return
        assert before.status in (OrderStatus.RESERVED, OrderStatus.PAID)
        assert cancelled.status is OrderStatus.CANCELLED
        if before.status is OrderStatus.PAID:  # refunded whole, once
            payment = self.run(self.world.store.payment_of(order_id))
            assert payment is not None
            charge = {c.reference: c for c in self.world.gateway.charges()}
            assert charge[payment.gateway_reference].refunded
            refunds = self.run(self.world.store.refunds_of(order_id))
            assert [r.amount for r in refunds] == [payment.amount]
        if left_before is not None:
            assert self.run(self.world.stock_left()) == left_before + before.quantity

    # ---------------------------------------------------------------- time, expiry, failures

    @rule(seconds=st.sampled_from([0.000001, 1, 30, 300, 899, 900, 1800]))
    def advance(self, seconds: float) -> None:
        self.world.clock.advance(seconds)

    @rule(landmark=st.sampled_from(LANDMARKS), pick=st.integers(min_value=0))
    def jump(self, landmark: str, pick: int) -> None:
        """Land on a boundary exactly; time only moves forward."""
        target: datetime
        if landmark.startswith("expiry"):
            if not self.acknowledged:
                return
            order = self.acknowledged[sorted(self.acknowledged)[pick % len(self.acknowledged)]]
            target = order.expires_at
        else:
            target = OPENS if landmark.startswith("opens") else CLOSES
        if landmark.endswith("-1us"):
            target -= ONE_MICROSECOND
        self.world.at(max(self.world.clock.now(), target))

    @rule()
    def sweep(self) -> None:
        now = self.world.clock.now()
        due = [
            o
            for o in self.run(self.world.store.orders_of_sale(self.sale_id, OrderStatus.RESERVED))
            if o.expires_at <= now
        ]
        assert self.run(self.world.shop.expiry.sweep()) == len(due)
        event(f"sweep: {'expired some' if due else 'nothing due'}")
        for order in due:
            assert self._stored(order.id).status is OrderStatus.EXPIRED

    @rule()
    def next_commit_fails(self) -> None:
        self.world.store.fail_next_inserts = 1

    @rule(load_now=st.booleans())
    def restart(self, load_now: bool) -> None:
        """A new process over the same record and gateway, with a fresh in-process gate."""
        shop = self.run(self.world.restart())
        if load_now:
            assert self.run(shop.directory.load_all()) == 1

    # ---------------------------------------------------------------- invariants

    def _orders(self) -> list[Order]:
        return self.run(self.world.store.orders_of_sale(self.sale_id, limit=10_000))

    @invariant()
    def never_sold_twice(self) -> None:
        live = [o for o in self._orders() if o.holds_stock]
        assert sum(o.quantity for o in live) <= STOCK
        per_customer: dict[str, int] = {}
        for order in live:
            per_customer[order.customer_id] = (
                per_customer.get(order.customer_id, 0) + order.quantity
            )
        assert all(units <= LIMIT for units in per_customer.values()), per_customer

    @invariant()
    def stock_is_conserved(self) -> None:
        live_units = sum(o.quantity for o in self._orders() if o.holds_stock)
        gate_left = self.run(self.world.stock_left())
        if gate_left is not None:  # a restarted process loads the sale when first asked
            assert gate_left == STOCK - live_units

    @invariant()
    def every_paid_order_has_one_charge_and_one_payment(self) -> None:
        live_charges = {c.reference: c for c in self.world.gateway.charges() if not c.refunded}
        paid = [o for o in self._orders() if o.status is OrderStatus.PAID]
        assert len(live_charges) == len(paid), "a charge without a paid order, or the reverse"
        for order in paid:
            payment = self.run(self.world.store.payment_of(order.id))
            assert payment is not None
            assert payment.amount == order.amount
            assert live_charges[payment.gateway_reference].amount == order.amount

    @invariant()
    def acknowledged_orders_are_durable(self) -> None:
        for order_id, given in self.acknowledged.items():
            stored = self._stored(order_id)
            assert (stored.customer_id, stored.quantity, stored.amount) == (
                given.customer_id,
                given.quantity,
                given.amount,
            )
        for (customer, key), order_id in self.by_key.items():
            found = self.run(self.world.store.orders_by_idempotency_keys([(customer, key)])).get(
                (customer, key)
            )
            assert found is not None
            assert found.id == order_id

    @invariant()
    def the_audit_is_clean(self) -> None:
        shop = self.world.shop
        if self.run(shop.gate.is_loaded(self.sale_id)):
            audit = self.run(shop.auditing.audit(self.sale_id))
        else:  # auditing would load the gate; judge the record alone so the lazy path stays
            facts = self.run(self.world.store.audit_facts(self.world.sale))
            audit = SaleAudit(
                sale_id=self.sale_id,
                stock_total=STOCK,
                units=facts.units,
                customers_over_limit=facts.customers_over_limit,
                orders_without_payment_match=facts.orders_without_payment_match,
                gate_stock_left=None,
                units_counted=facts.units_counted,
            )
        assert audit.clean, audit


FlashSaleMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    report_multiple_bugs=False,
)
TestFlashSale = FlashSaleMachine.TestCase
