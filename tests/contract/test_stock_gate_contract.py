"""The one contract every StockGate passes: the in-process gate and the Redis gate alike.

Expected refusals come from ``decide``, the rule itself, so the suite also proves the Redis
script agrees with it word for word.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from flashsale.kernel.money import Money
from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.adapters.redis_gate import RedisStockGate
from flashsale.sales.domain.purchase import PurchaseRequest, Refusal, decide
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import (
    InsufficientStock,
    LimitReached,
    NotRegistered,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)
from flashsale.sales.ports import GateLevel, GateNotLoaded, StockGate
from tests.contract.conftest import GATE_ADAPTERS, open_contract_gate
from tests.gate_helpers import give_back_now, take

T0 = datetime(2030, 1, 1, tzinfo=UTC)
REGISTRATION_CLOSES = T0 + timedelta(hours=1)
OPENS = T0 + timedelta(hours=2)
CLOSES = T0 + timedelta(hours=3)
DURING = OPENS + timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)


class Harness:
    """A gate plus sales with unique ids; Redis keys of those sales are deleted afterwards."""

    def __init__(self, gate: StockGate, redis_url: str | None) -> None:
        self.gate = gate
        self.redis_url = redis_url
        self.sale_ids: list[str] = []
        self.extra_gates: list[StockGate] = []

    def sale(self, *, stock: int = 10, limit: int = 2) -> FlashSale:
        sale = FlashSale(
            id=f"sale_contract_{uuid.uuid4().hex}",
            sku="MI-BAND-3",
            market_code="IN",
            price=Money.of("999", "INR"),
            stock_total=stock,
            per_customer_limit=limit,
            registration_opens_at=T0,
            registration_closes_at=REGISTRATION_CLOSES,
            opens_at=OPENS,
            closes_at=CLOSES,
        )
        self.sale_ids.append(sale.id)
        return sale

    async def loaded(
        self,
        *,
        stock: int = 10,
        limit: int = 2,
        registered: Sequence[str] = ("alice", "bob", "carol"),
        held: dict[str, int] | None = None,
    ) -> FlashSale:
        sale = self.sale(stock=stock, limit=limit)
        await self.gate.load(sale, held or {}, registered)
        return sale

    async def another_gate(self) -> RedisStockGate:
        assert self.redis_url is not None
        gate = await RedisStockGate.connect(self.redis_url)
        self.extra_gates.append(gate)
        return gate

    async def cleanup(self) -> None:
        for gate in self.extra_gates:
            await gate.close()
        await self.gate.close()
        if self.redis_url is None:
            return
        redis = Redis.from_url(self.redis_url)
        try:
            for sale_id in self.sale_ids:
                keys = SaleKeys.of(sale_id)
                scratch = [key async for key in redis.scan_iter(match=f"fs:{{{sale_id}*")]
                await redis.delete(*keys.all, *scratch)
        finally:
            await redis.aclose()


@pytest.fixture(params=GATE_ADAPTERS)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if request.param == "local":
        made = Harness(LocalStockGate(), None)
    else:
        gate, url = await open_contract_gate(request.param, request)
        # The cluster is the session's own, thrown away whole: only the shared server is cleaned.
        made = Harness(gate, None if request.param.startswith("cluster") else url)
    try:
        yield made
    finally:
        await made.cleanup()


@pytest.fixture
async def redis_harness(redis_server_url: str) -> AsyncIterator[Harness]:
    made = Harness(await RedisStockGate.connect(redis_server_url), redis_server_url)
    try:
        yield made
    finally:
        await made.cleanup()


def buy(sale: FlashSale, customer: str, quantity: int = 1) -> PurchaseRequest:
    return PurchaseRequest(sale.id, customer, quantity)


def rule(
    sale: FlashSale,
    now: datetime,
    *,
    registered: bool = True,
    held: int = 0,
    quantity: int = 1,
    stock_left: int,
) -> Refusal | None:
    return decide(
        sale, now, registered=registered, held=held, quantity=quantity, stock_left=stock_left
    )


def errors(outcomes: Sequence[Refusal | None]) -> list[type[Exception] | None]:
    return [None if outcome is None else outcome.error for outcome in outcomes]


# state boundaries


@pytest.mark.parametrize(
    ("moment", "expected_error"),
    [
        (T0 - MICROSECOND, SaleNotOpenYet),  # registration not open yet
        (T0 + timedelta(minutes=30), SaleNotOpenYet),  # registration running
        (REGISTRATION_CLOSES, SaleNotOpenYet),  # waiting for the doors
        (OPENS - MICROSECOND, SaleNotOpenYet),
        (OPENS, None),
        (CLOSES - MICROSECOND, None),
        (CLOSES, SaleClosed),
        (CLOSES + timedelta(days=1), SaleClosed),
    ],
)
async def test_the_timetable_decides_first(
    harness: Harness, moment: datetime, expected_error: type[Exception] | None
) -> None:
    sale = await harness.loaded(stock=10)

    (outcome,) = await take(harness.gate, [buy(sale, "alice")], moment)

    assert outcome == rule(sale, moment, stock_left=10)
    assert errors([outcome]) == [expected_error]
    assert await harness.gate.stock_left(sale.id) == (9 if expected_error is None else 10)


async def test_state_is_checked_before_registration(harness: Harness) -> None:
    sale = await harness.loaded()

    before, after = (
        await take(harness.gate, [buy(sale, "mallory")], OPENS - MICROSECOND),
        await take(harness.gate, [buy(sale, "mallory")], CLOSES),
    )

    assert before == [rule(sale, OPENS - MICROSECOND, registered=False, stock_left=10)]
    assert after == [rule(sale, CLOSES, registered=False, stock_left=10)]
    assert errors(before + after) == [SaleNotOpenYet, SaleClosed]


# registration and limits


async def test_an_unregistered_customer_is_refused(harness: Harness) -> None:
    sale = await harness.loaded(stock=10)

    outcomes = await take(harness.gate, [buy(sale, "mallory")], DURING)

    assert outcomes == [rule(sale, DURING, registered=False, stock_left=10)]
    assert errors(outcomes) == [NotRegistered]
    assert await harness.gate.stock_left(sale.id) == 10


async def test_the_limit_holds_across_batches(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=2)

    first = await take(harness.gate, [buy(sale, "alice")], DURING)
    second = await take(harness.gate, [buy(sale, "alice")], DURING)
    third = await take(harness.gate, [buy(sale, "alice")], DURING)

    assert first == second == [None]
    assert third == [rule(sale, DURING, held=2, stock_left=8)]
    assert errors(third) == [LimitReached]
    assert await harness.gate.stock_left(sale.id) == 8


async def test_the_limit_holds_within_one_batch(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=3)

    outcomes = await take(
        harness.gate, [buy(sale, "alice", 2), buy(sale, "alice", 2), buy(sale, "alice", 1)], DURING
    )

    assert outcomes == [None, rule(sale, DURING, held=2, quantity=2, stock_left=8), None]
    assert await harness.gate.stock_left(sale.id) == 7


async def test_the_limit_counts_what_the_load_said_was_held(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=2, held={"alice": 2, "bob": 0})

    outcomes = await take(harness.gate, [buy(sale, "alice"), buy(sale, "bob", 2)], DURING)

    assert outcomes == [rule(sale, DURING, held=2, stock_left=8), None]
    assert await harness.gate.stock_left(sale.id) == 6


async def test_the_limit_is_checked_before_the_stock(harness: Harness) -> None:
    sale = await harness.loaded(stock=2, limit=2)
    await take(harness.gate, [buy(sale, "alice", 2)], DURING)

    outcomes = await take(harness.gate, [buy(sale, "alice")], DURING)

    assert outcomes == [rule(sale, DURING, held=2, stock_left=0)]
    assert errors(outcomes) == [LimitReached]


# stock


async def test_sold_out_and_insufficient_stock_are_told_apart(harness: Harness) -> None:
    sale = await harness.loaded(stock=3, limit=2)

    outcomes = await take(
        harness.gate,
        [buy(sale, "alice", 2), buy(sale, "bob", 2), buy(sale, "bob", 1), buy(sale, "carol", 1)],
        DURING,
    )

    assert outcomes == [
        None,
        rule(sale, DURING, quantity=2, stock_left=1),
        None,
        rule(sale, DURING, stock_left=0),
    ]
    assert errors(outcomes) == [None, InsufficientStock, None, SoldOut]
    assert await harness.gate.stock_left(sale.id) == 0


@pytest.mark.parametrize("first", ["alice", "bob"])
async def test_a_batch_is_decided_in_order(harness: Harness, first: str) -> None:
    second = "bob" if first == "alice" else "alice"
    sale = await harness.loaded(stock=3, limit=2)

    outcomes = await take(harness.gate, [buy(sale, first, 2), buy(sale, second, 2)], DURING)

    assert outcomes == [None, rule(sale, DURING, quantity=2, stock_left=1)]


async def test_each_sale_of_a_mixed_batch_keeps_its_own_order(harness: Harness) -> None:
    one = await harness.loaded(stock=1)
    two = await harness.loaded(stock=1)

    outcomes = await take(
        harness.gate,
        [buy(one, "alice"), buy(two, "bob"), buy(one, "bob"), buy(two, "alice")],
        DURING,
    )

    assert outcomes == [
        None,
        None,
        rule(one, DURING, stock_left=0),
        rule(two, DURING, stock_left=0),
    ]


# give back, load, register


async def test_give_back_returns_exactly_what_was_held(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=3)
    await take(harness.gate, [buy(sale, "alice", 2)], DURING)

    await give_back_now(harness.gate, [buy(sale, "alice", 3)])  # more than alice holds

    assert await harness.gate.stock_left(sale.id) == 10
    assert await take(harness.gate, [buy(sale, "alice", 3)], DURING) == [None]
    assert await harness.gate.stock_left(sale.id) == 7


async def test_give_back_lowers_held_partially(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=3)
    await take(harness.gate, [buy(sale, "alice", 3)], DURING)

    await give_back_now(harness.gate, [buy(sale, "alice", 1)])

    assert await harness.gate.stock_left(sale.id) == 8
    assert await take(harness.gate, [buy(sale, "alice", 2)], DURING) == [
        rule(sale, DURING, held=2, quantity=2, stock_left=8)
    ]
    assert await take(harness.gate, [buy(sale, "alice", 1)], DURING) == [None]


async def test_give_back_for_someone_holding_nothing_changes_nothing(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=2)
    await take(harness.gate, [buy(sale, "alice", 2)], DURING)

    await give_back_now(harness.gate, [buy(sale, "bob", 2), buy(sale, "nobody", 1)])

    assert await harness.gate.stock_left(sale.id) == 8
    assert await take(harness.gate, [buy(sale, "bob", 2)], DURING) == [None]
    assert await take(harness.gate, [buy(sale, "bob")], DURING) == [
        rule(sale, DURING, held=2, stock_left=6)
    ]


async def test_give_back_to_a_sale_not_loaded_is_harmless(harness: Harness) -> None:
    sale = harness.sale()

    await give_back_now(harness.gate, [buy(sale, "alice")])

    assert await harness.gate.stock_left(sale.id) is None
    assert not await harness.gate.is_loaded(sale.id)


async def test_load_replaces_everything_the_gate_held(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=2, registered=["alice", "bob"])
    await take(harness.gate, [buy(sale, "alice", 2), buy(sale, "bob", 1)], DURING)

    await harness.gate.load(sale, {"carol": 1}, ["carol", "dave"])

    assert await harness.gate.stock_left(sale.id) == 9
    outcomes = await take(
        harness.gate, [buy(sale, "alice"), buy(sale, "carol", 2), buy(sale, "dave", 2)], DURING
    )
    assert outcomes == [
        rule(sale, DURING, registered=False, stock_left=9),
        rule(sale, DURING, held=1, quantity=2, stock_left=9),
        None,
    ]
    assert await harness.gate.stock_left(sale.id) == 7


async def test_load_with_nobody_registered_clears_registrations(harness: Harness) -> None:
    sale = await harness.loaded(registered=["alice"])

    await harness.gate.load(sale, {}, [])

    assert await take(harness.gate, [buy(sale, "alice")], DURING) == [
        rule(sale, DURING, registered=False, stock_left=10)
    ]


async def test_stock_left_and_is_loaded(harness: Harness) -> None:
    sale = harness.sale(stock=7)
    assert await harness.gate.stock_left(sale.id) is None
    assert not await harness.gate.is_loaded(sale.id)

    await harness.gate.load(sale, {"alice": 2, "bob": 1}, ["alice", "bob"])

    assert await harness.gate.is_loaded(sale.id)
    assert await harness.gate.stock_left(sale.id) == 4


async def test_register_lets_a_customer_buy_and_twice_is_harmless(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=1, registered=[])
    assert await take(harness.gate, [buy(sale, "erin")], DURING) == [
        rule(sale, DURING, registered=False, stock_left=10)
    ]

    await harness.gate.register(sale.id, ["erin", "erin"])
    await harness.gate.register(sale.id, ["erin"])

    assert await take(harness.gate, [buy(sale, "erin"), buy(sale, "erin")], DURING) == [
        None,
        rule(sale, DURING, held=1, stock_left=9),
    ]
    assert await harness.gate.stock_left(sale.id) == 9


# what the record refused, and drift the reconciler heals


async def test_release_holds_frees_the_limit_and_not_the_units(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=1)
    (taken,) = await harness.gate.take_stamped([buy(sale, "alice")], DURING)
    assert isinstance(taken, int)

    await harness.gate.release_holds([(buy(sale, "alice"), taken)])
    await harness.gate.release_holds([(buy(sale, "alice"), taken + 1)])  # another generation

    assert await harness.gate.stock_left(sale.id) == 9
    assert await harness.gate.holds(sale.id) == {}
    assert await take(harness.gate, [buy(sale, "alice")], DURING) == [None]


async def test_levels_and_holds_read_what_the_gate_holds(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=3, held={"carol": 1})
    missing = harness.sale()
    await take(harness.gate, [buy(sale, "alice", 2), buy(sale, "bob")], DURING)

    (generation,) = await harness.gate.generations([sale.id])
    assert generation is not None
    assert await harness.gate.levels([sale.id, missing.id]) == [GateLevel(6, generation), None]
    assert await harness.gate.holds(sale.id) == {"alice": 2, "bob": 1, "carol": 1}
    assert await harness.gate.holds(missing.id) is None


async def test_adjust_returns_and_withdraws_units_and_moves_holds(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=2)
    await take(harness.gate, [buy(sale, "alice", 2), buy(sale, "bob")], DURING)
    (generation,) = await harness.gate.generations([sale.id])
    assert generation is not None

    # Alice's order was never stored; carol holds one the gate did not know of.
    assert await harness.gate.adjust(sale.id, generation, 2, {"alice": -2, "carol": 1}) == 2
    assert await harness.gate.stock_left(sale.id) == 9
    assert await harness.gate.holds(sale.id) == {"bob": 1, "carol": 1}
    assert await take(harness.gate, [buy(sale, "carol", 2)], DURING) == [
        rule(sale, DURING, held=1, quantity=2, stock_left=9)
    ]

    # Withdrawing takes no more than is left, and a held count never drops below zero.
    assert await harness.gate.adjust(sale.id, generation, -4, {"bob": -5}) == -4
    assert await harness.gate.stock_left(sale.id) == 5
    assert await harness.gate.adjust(sale.id, generation, -50, {}) == -5
    assert await harness.gate.stock_left(sale.id) == 0
    assert await harness.gate.holds(sale.id) == {"carol": 1}


async def test_adjust_under_another_generation_changes_nothing(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=2)
    (before,) = await harness.gate.generations([sale.id])
    assert before is not None
    await harness.gate.load(sale, {}, ["alice"])

    assert await harness.gate.adjust(sale.id, before, 3, {"alice": 1}) is None
    assert await harness.gate.adjust(harness.sale().id, before, 3, {}) is None
    assert await harness.gate.stock_left(sale.id) == 10
    assert await harness.gate.holds(sale.id) == {}


# generations: a give-back counts only in the generation its units were taken under


async def test_a_take_is_stamped_with_the_generation_a_give_back_needs(harness: Harness) -> None:
    sale = await harness.loaded(stock=10, limit=2)
    missing = harness.sale()

    taken, refused, lost = await harness.gate.take_stamped(
        [buy(sale, "alice", 2), buy(sale, "mallory"), buy(missing, "alice")], DURING
    )

    assert isinstance(taken, int)
    assert refused == rule(sale, DURING, registered=False, stock_left=8)
    assert isinstance(lost, GateNotLoaded) and lost.sale_id == missing.id
    assert await harness.gate.generations([sale.id, missing.id]) == [taken, None]
    await harness.gate.give_back([(buy(sale, "alice", 2), taken)])
    assert await harness.gate.stock_left(sale.id) == 10


async def test_every_load_starts_a_new_generation(harness: Harness) -> None:
    sale = await harness.loaded()
    seen = []
    for _ in range(3):
        (generation,) = await harness.gate.generations([sale.id])
        seen.append(generation)
        await harness.gate.load(sale, {}, ["alice"])

    assert None not in seen and len(set(seen)) == 3


async def test_a_give_back_from_before_a_rebuild_adds_nothing(harness: Harness) -> None:
    # Alice's order closes in the record and the gate is rebuilt from it, so the rebuild counts
    # her unit free; she buys again; then the closed order's give-back arrives. Adding it would
    # sell her unit twice and hand her limit back while she holds one.
    sale = await harness.loaded(stock=10, limit=2)
    (first,) = await harness.gate.take_stamped([buy(sale, "alice")], DURING)
    await harness.gate.load(sale, {}, ["alice", "bob", "carol"])
    (second,) = await harness.gate.take_stamped([buy(sale, "alice")], DURING)
    assert isinstance(first, int) and isinstance(second, int) and first != second

    await harness.gate.give_back([(buy(sale, "alice"), first)])

    assert await harness.gate.stock_left(sale.id) == 9
    assert await take(harness.gate, [buy(sale, "alice", 2)], DURING) == [
        rule(sale, DURING, held=1, quantity=2, stock_left=9)
    ]


async def test_a_failed_commit_given_back_after_a_rebuild_adds_nothing(harness: Harness) -> None:
    # Bob holds a stored unit and takes a second whose commit fails; the gate is rebuilt from
    # the record (his one stored unit) before the failure gives the second back.
    sale = await harness.loaded(stock=10, limit=2, held={"bob": 1})
    (taken,) = await harness.gate.take_stamped([buy(sale, "bob")], DURING)
    assert isinstance(taken, int)
    await harness.gate.load(sale, {"bob": 1}, ["alice", "bob", "carol"])

    await harness.gate.give_back([(buy(sale, "bob"), taken)])

    assert await harness.gate.stock_left(sale.id) == 9
    assert await take(harness.gate, [buy(sale, "bob", 2)], DURING) == [
        rule(sale, DURING, held=1, quantity=2, stock_left=9)
    ]


async def test_give_backs_racing_rebuilds_never_lift_the_gate_above_the_record(
    harness: Harness,
) -> None:
    """Expiries, failed commits and purchases, with rebuilds from the record between any two of
    their steps: the gate never has more units than the record leaves free."""
    rng = random.Random(20260514)
    for _ in range(3):
        assert await _give_backs_racing_rebuilds(harness, rng) == []


async def _give_backs_racing_rebuilds(harness: Harness, rng: random.Random) -> list[str]:
    """One race; the moments the gate had more than the record left free.

    Buyers hold stored units and buy again, so that a stale give-back finds units to add (a
    customer holding nothing in the rebuilt gate would hide it). A stored purchase and a rebuild
    take turns, as ``Purchasing._settle`` makes them; everything else interleaves at random.
    """
    buyers = [f"fan{i}" for i in range(12)]
    sale = harness.sale(stock=30, limit=3)
    record = dict.fromkeys(buyers, 1)  # stored units per customer
    await harness.gate.load(sale, record, buyers)
    turns = asyncio.Lock()  # a rebuild, or a purchase on its way to the record
    violations: list[str] = []

    async def pause() -> None:
        await asyncio.sleep(rng.random() * 0.003)

    async def check(after: str) -> None:
        async with turns:  # a bucketed gate half-way through a rebuild is no settled state
            left = await harness.gate.stock_left(sale.id)
            free = sale.stock_total - sum(record.values())
        if left is None or left > free:
            violations.append(f"after {after}: gate {left}, record {free}")

    async def expire(customer: str) -> None:
        # orders/service/stock_release.py's steps: the generation, the close, the give-back.
        (generation,) = await harness.gate.generations([sale.id])
        await pause()
        record[customer] -= 1
        await pause()
        assert generation is not None
        await harness.gate.give_back([(buy(sale, customer), generation)])
        await check("expiry")

    async def fail_commit(customer: str) -> None:
        (outcome,) = await harness.gate.take_stamped([buy(sale, customer)], DURING)
        await pause()
        if isinstance(outcome, int):
            await harness.gate.give_back([(buy(sale, customer), outcome)])
        await check("failed commit")

    async def purchase(customer: str) -> None:
        await pause()
        async with turns:
            if await take(harness.gate, [buy(sale, customer)], DURING) == [None]:
                record[customer] += 1
        await check("purchase")

    async def rebuild() -> None:
        for _ in range(12):
            await pause()
            async with turns:
                await harness.gate.load(sale, dict(record), buyers)
            await check("rebuild")

    async def customer_day(customer: str) -> None:
        steps = [expire, fail_commit, purchase, fail_commit, purchase]
        rng.shuffle(steps)
        for step in steps:
            await step(customer)

    await asyncio.gather(rebuild(), *(customer_day(c) for c in buyers))
    return violations


# concurrency


async def _race(gates: Sequence[StockGate], sale: FlashSale, customers: int, tasks: int) -> Any:
    requests = [buy(sale, f"racer{i % customers}") for i in range(tasks)]
    outcomes = await asyncio.gather(
        *(take(gates[i % len(gates)], [request], DURING) for i, request in enumerate(requests))
    )
    taken = Counter(r.customer_id for r, (o,) in zip(requests, outcomes, strict=True) if o is None)
    refusals = Counter(o.error for (o,) in outcomes if o is not None)
    return taken, refusals


async def test_two_hundred_buyers_race_for_the_last_five_units(harness: Harness) -> None:
    for _ in range(20):
        sale = await harness.loaded(
            stock=25,
            limit=1,
            registered=[f"racer{i}" for i in range(100)] + ["early"],
            held={"early": 20},
        )

        taken, refusals = await _race([harness.gate], sale, customers=100, tasks=200)

        assert sum(taken.values()) == 5
        assert max(taken.values()) == 1
        assert set(refusals) <= {SoldOut, LimitReached}
        assert await harness.gate.stock_left(sale.id) == 0


async def test_two_gate_instances_race_for_the_last_unit(redis_harness: Harness) -> None:
    other = await redis_harness.another_gate()
    for _ in range(50):
        sale = await redis_harness.loaded(
            stock=2, limit=1, registered=[f"racer{i}" for i in range(20)], held={"early": 1}
        )

        taken, _ = await _race([redis_harness.gate, other], sale, customers=20, tasks=40)

        assert sum(taken.values()) == 1
        assert await other.stock_left(sale.id) == 0


async def test_load_if_absent_leaves_a_live_sale_alone(redis_harness: Harness) -> None:
    assert isinstance(redis_harness.gate, RedisStockGate)
    sale = redis_harness.sale(stock=10)
    other = await redis_harness.another_gate()

    first = await redis_harness.gate.load_if_absent(sale, {}, ["alice"])
    await take(redis_harness.gate, [buy(sale, "alice", 2)], DURING)
    second = await other.load_if_absent(sale, {}, ["bob"])

    assert (first, second) == (True, False)
    assert await other.stock_left(sale.id) == 8
    assert await take(other, [buy(sale, "bob")], DURING) == [
        rule(sale, DURING, registered=False, stock_left=8)
    ]


# a gate that lost its memory


async def test_take_on_a_flushed_gate_raises_gate_not_loaded(redis_harness: Harness) -> None:
    sale = await redis_harness.loaded()
    redis = Redis.from_url(redis_harness.redis_url or "")
    try:
        await redis.delete(*SaleKeys.of(sale.id).all)
    finally:
        await redis.aclose()

    with pytest.raises(GateNotLoaded) as single:
        await take(redis_harness.gate, [buy(sale, "alice")], DURING)
    with pytest.raises(GateNotLoaded) as batch:
        await take(redis_harness.gate, [buy(sale, "alice"), buy(sale, "bob")], DURING)

    assert single.value.sale_id == batch.value.sale_id == sale.id
    assert not await redis_harness.gate.is_loaded(sale.id)
    assert await redis_harness.gate.stock_left(sale.id) is None


async def test_the_sales_still_held_are_decided_beside_a_lost_one(
    redis_harness: Harness,
) -> None:
    loaded = await redis_harness.loaded(stock=1)
    missing = redis_harness.sale()

    lost, taken, refused = await redis_harness.gate.take_stamped(
        [buy(missing, "alice"), buy(loaded, "alice"), buy(loaded, "bob")], DURING
    )

    assert isinstance(lost, GateNotLoaded) and lost.sale_id == missing.id
    assert isinstance(taken, int)
    assert refused == rule(loaded, DURING, stock_left=0)
    assert await redis_harness.gate.stock_left(loaded.id) == 0


# the Redis script against the in-process gate, on random histories

CUSTOMERS = ("alice", "bob", "carol", "mallory")
MOMENTS = (REGISTRATION_CLOSES, OPENS - MICROSECOND, OPENS, DURING, CLOSES - MICROSECOND, CLOSES)
requests_ = st.tuples(st.sampled_from(CUSTOMERS), st.integers(1, 3))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("take"), st.lists(requests_, min_size=1, max_size=6)),
        st.tuples(st.just("give_back"), st.lists(requests_, min_size=1, max_size=3)),
        st.tuples(st.just("register"), st.lists(st.sampled_from(CUSTOMERS), max_size=2)),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stock=st.integers(1, 8),
    limit=st.integers(1, 4),
    held=st.dictionaries(st.sampled_from(CUSTOMERS[:3]), st.integers(0, 3), max_size=3),
    moments=st.lists(st.sampled_from(MOMENTS), min_size=12, max_size=12),
    history=operations,
)
def test_the_redis_gate_answers_like_the_local_gate(
    redis_server_url: str,
    stock: int,
    limit: int,
    held: dict[str, int],
    moments: list[datetime],
    history: list[tuple[str, list[Any]]],
) -> None:
    async def replay() -> None:
        local = Harness(LocalStockGate(), None)
        remote = Harness(await RedisStockGate.connect(redis_server_url), redis_server_url)
        try:
            sale = remote.sale(stock=stock, limit=limit)
            for harness in (local, remote):
                await harness.gate.load(sale, held, ["alice", "bob"])
            for (kind, items), moment in zip(history, moments, strict=False):
                answers: list[object] = []
                for harness in (local, remote):
                    if kind == "take":
                        batch = [buy(sale, customer, quantity) for customer, quantity in items]
                        answers.append(await take(harness.gate, batch, moment))
                    elif kind == "give_back":
                        batch = [buy(sale, customer, quantity) for customer, quantity in items]
                        await give_back_now(harness.gate, batch)
                    else:
                        await harness.gate.register(sale.id, items)
                    answers.append(await harness.gate.stock_left(sale.id))
                assert answers[: len(answers) // 2] == answers[len(answers) // 2 :]
        finally:
            await local.cleanup()
            await remote.cleanup()

    asyncio.run(replay())
