"""The Redis gate with bucketed stock, on a local 3-master Redis Cluster and on one server.

What the contract suite cannot show: that buckets really spread over the cluster, that buyers
walking between buckets never break the invariants (no unit twice, nobody over the limit, stock
conserved) under concurrency from several gate instances, that a lost bucket is rebuilt whole,
and the sold-out flag.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from flashsale.kernel.money import Money
from flashsale.platform.redis.client import open_redis, parse_cluster_url
from flashsale.platform.redis.sale_keys import SaleKeys, home_bucket, split_stock
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.adapters.redis_gate import RedisStockGate
from flashsale.sales.adapters.redis_soldout import SoldOutBoard
from flashsale.sales.domain.purchase import SOLD_OUT, PurchaseRequest, decide
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import InsufficientStock, LimitReached, SoldOut
from flashsale.sales.ports import GateNotLoaded
from tests.gate_helpers import give_back_now, take

pytestmark = pytest.mark.redis

T0 = datetime(2030, 1, 1, tzinfo=UTC)
OPENS = T0 + timedelta(hours=2)
DURING = OPENS + timedelta(minutes=1)


def new_sale(*, stock: int, limit: int = 1) -> FlashSale:
    return FlashSale(
        id=f"sale_cluster_{uuid.uuid4().hex}",
        sku="MI-BAND-3",
        market_code="IN",
        price=Money.of("999", "INR"),
        stock_total=stock,
        per_customer_limit=limit,
        registration_opens_at=T0,
        registration_closes_at=T0 + timedelta(hours=1),
        opens_at=OPENS,
        closes_at=OPENS + timedelta(hours=1),
    )


def buy(sale: FlashSale, customer: str, quantity: int = 1) -> PurchaseRequest:
    return PurchaseRequest(sale.id, customer, quantity)


Open = Callable[..., Awaitable[RedisStockGate]]


@pytest.fixture
async def cluster_gates(redis_cluster_url: str) -> AsyncIterator[Open]:
    gates: list[RedisStockGate] = []

    async def make(
        *, buckets: int, sold_out_flag: bool = False, sold_out_ttl: float | None = None
    ) -> RedisStockGate:
        """``sold_out_ttl``: a sold-out board that doubts what it heard after that long."""
        if sold_out_ttl is None:
            gate = await RedisStockGate.connect(
                redis_cluster_url, buckets=buckets, sold_out_flag=sold_out_flag
            )
        else:
            redis = await open_redis(redis_cluster_url)
            board = SoldOutBoard.subscribed(redis_cluster_url, redis, ttl=sold_out_ttl)
            gate = RedisStockGate(redis, buckets=buckets, board=board)
        gates.append(gate)
        return gate

    yield make
    for gate in gates:
        await gate.close()


def count_round_trips(gate: RedisStockGate) -> list[int]:
    """Counts the script batches the gate sends (each one round trip per node)."""
    sent = [0]
    run = gate._run

    async def counted(script: Any, calls: Any) -> list[Any]:
        sent[0] += 1
        return await run(script, calls)

    gate._run = counted  # type: ignore[method-assign]
    return sent


# URLs and layout


def test_a_cluster_url_names_its_nodes_and_credentials() -> None:
    address = parse_cluster_url("redis+cluster://app:s%40cret@10.0.0.1:7000,10.0.0.2:7001/")
    assert address.nodes == (("10.0.0.1", 7000), ("10.0.0.2", 7001))
    assert (address.username, address.password) == ("app", "s@cret")
    with pytest.raises(ValueError, match="host:port"):
        parse_cluster_url("redis+cluster://10.0.0.1")


def test_stock_splits_evenly_and_customers_have_one_home() -> None:
    assert split_stock(100, 3) == [34, 33, 33]
    assert split_stock(2, 3) == [1, 1, 0]
    assert split_stock(-2, 3) == [-2, 0, 0]
    homes = Counter(home_bucket(f"cus_{i}", 4) for i in range(4_000))
    assert set(homes) == {0, 1, 2, 3}
    assert min(homes.values()) > 800
    assert home_bucket("cus_7", 4) == home_bucket("cus_7", 4)
    assert SaleKeys.of("s", 0).meta == "fs:{s}:meta"
    assert SaleKeys.of("s", 2).meta == "fs:{s:b2}:meta"


async def test_buckets_spread_over_the_cluster_nodes(
    cluster_gates: Open, redis_cluster_url: str
) -> None:
    gate = await cluster_gates(buckets=8)
    sale = new_sale(stock=80)
    await gate.load(sale, {}, ["alice"])
    cluster = gate._redis
    assert isinstance(cluster, RedisCluster)
    nodes = {cluster.get_node_from_key(SaleKeys.of(sale.id, b).meta) for b in range(8)}
    assert None not in nodes
    assert len(nodes) >= 2
    assert await gate.stock_left(sale.id) == 80


# invariants under concurrency


@pytest.mark.parametrize("buckets", [3, 5])
async def test_two_gates_on_the_cluster_never_oversell_nor_pass_the_limit(
    cluster_gates: Open, buckets: int
) -> None:
    gates = [await cluster_gates(buckets=buckets), await cluster_gates(buckets=buckets)]
    rng = random.Random(buckets)
    for stock in (1, 7, 60):
        sale = new_sale(stock=stock, limit=2)
        customers = [f"fan{i}" for i in range(150)]
        await gates[0].load(sale, {}, customers)
        requests = [buy(sale, rng.choice(customers), rng.choice((1, 1, 2))) for _ in range(600)]

        outcomes = await asyncio.gather(
            *(take(gates[i % 2], [request], DURING) for i, request in enumerate(requests))
        )

        held: Counter[str] = Counter()
        for request, (outcome,) in zip(requests, outcomes, strict=True):
            if outcome is None:
                held[request.customer_id] += request.quantity
            else:
                assert outcome.error in (SoldOut, InsufficientStock, LimitReached)
        snapshot = await gates[1].snapshot(sale.id)
        assert snapshot is not None
        assert snapshot.held == dict(held)  # the gate's accounting agrees with the answers
        assert snapshot.stock_left + sum(held.values()) == stock  # none twice, none lost
        assert max(held.values()) <= 2
        # A unit a short walk had in hand when others looked is still for sale: buyers with
        # room left take the rest, one by one, and then the sale is sold out for real.
        for customer in customers:
            if held[customer] < 2 and await take(gates[0], [buy(sale, customer)], DURING) == [None]:
                held[customer] += 1
        assert sum(held.values()) == stock
        assert await gates[1].stock_left(sale.id) == 0


async def test_give_backs_during_a_burst_conserve_stock(cluster_gates: Open) -> None:
    gate = await cluster_gates(buckets=4)
    sale = new_sale(stock=40, limit=3)
    customers = [f"fan{i}" for i in range(60)]
    await gate.load(sale, {}, customers)
    rng = random.Random(7)
    held: Counter[str] = Counter()

    async def shopper(customer: str) -> None:
        for _ in range(6):
            quantity = rng.choice((1, 2))
            (outcome,) = await take(gate, [buy(sale, customer, quantity)], DURING)
            if outcome is None:
                held[customer] += quantity
            if held[customer] and rng.random() < 0.4:
                back = rng.randint(1, held[customer])
                held[customer] -= back
                await give_back_now(gate, [buy(sale, customer, back)])

    await asyncio.gather(*(shopper(c) for c in customers))

    snapshot = await gate.snapshot(sale.id)
    assert snapshot is not None
    assert snapshot.held == {c: n for c, n in held.items() if n}
    assert snapshot.stock_left + sum(held.values()) == 40
    assert max(held.values()) <= 3


async def test_many_buyers_race_for_the_last_unit_thirty_times(cluster_gates: Open) -> None:
    gates = [await cluster_gates(buckets=3), await cluster_gates(buckets=3)]
    racers = [f"racer{i}" for i in range(60)]
    for round_ in range(30):
        sale = new_sale(stock=31, limit=1)
        early = {f"early{i}": 1 for i in range(30)}
        await gates[round_ % 2].load(sale, early, racers)
        # the last unit sits in one bucket; the others are dry, so most racers must walk
        outcomes = await asyncio.gather(
            *(take(gates[i % 2], [buy(sale, racer)], DURING) for i, racer in enumerate(racers * 2))
        )
        winners = [o for (o,) in outcomes if o is None]
        assert len(winners) == 1, f"round {round_}: {len(winners)} took the last unit"
        assert {o.error for (o,) in outcomes if o is not None} <= {SoldOut, LimitReached}
        assert await gates[0].stock_left(sale.id) == 0


# the bucketed gate decides like the rule, on random histories (one server, 3 buckets)

CUSTOMERS = ("alice", "bob", "carol", "dave", "mallory")
requests_ = st.tuples(st.sampled_from(CUSTOMERS), st.integers(1, 3))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("take"), st.lists(requests_, min_size=1, max_size=5)),
        st.tuples(st.just("give_back"), st.lists(requests_, min_size=1, max_size=3)),
        st.tuples(st.just("register"), st.lists(st.sampled_from(CUSTOMERS), max_size=2)),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stock=st.integers(1, 9),
    limit=st.integers(1, 4),
    held=st.dictionaries(st.sampled_from(CUSTOMERS[:4]), st.integers(0, 3), max_size=4),
    history=operations,
)
def test_the_bucketed_gate_answers_like_the_local_gate(
    redis_server_url: str,
    stock: int,
    limit: int,
    held: dict[str, int],
    history: list[tuple[str, list[Any]]],
) -> None:
    # A record that already sold more than the stock leaves a debt in bucket 0 that units given
    # back to other buckets do not pay off; a record is never in that state.
    assume(sum(held.values()) <= stock)

    async def replay() -> None:
        local = LocalStockGate()
        bucketed = await RedisStockGate.connect(redis_server_url, buckets=3)
        sale = new_sale(stock=stock, limit=limit)
        try:
            for gate in (local, bucketed):
                await gate.load(sale, held, ["alice", "bob", "carol"])
            for kind, items in history:
                answers: list[object] = []
                for gate in (local, bucketed):
                    batch = [buy(sale, c, q) for c, q in items] if kind != "register" else []
                    if kind == "take":
                        answers.append(await take(gate, batch, DURING))
                    elif kind == "give_back":
                        await give_back_now(gate, batch)
                    else:
                        await gate.register(sale.id, items)
                    answers.append(await gate.stock_left(sale.id))
                assert answers[: len(answers) // 2] == answers[len(answers) // 2 :]
        finally:
            await local.close()
            await _forget(bucketed, sale.id)
            await bucketed.close()

    asyncio.run(replay())


async def _forget(gate: RedisStockGate, sale_id: str) -> None:
    for bucket in range(gate.buckets):
        await gate._redis.unlink(*SaleKeys.of(sale_id, bucket).all)


# a lost bucket, and loads racing


async def test_a_lost_bucket_is_cleared_whole_and_rebuilt(cluster_gates: Open) -> None:
    gate = await cluster_gates(buckets=3)
    sale = new_sale(stock=30, limit=2)
    customers = [f"fan{i}" for i in range(30)]
    await gate.load(sale, {}, customers)
    assert await take(gate, [buy(sale, "fan1", 2)], DURING) == [None]
    lost = (home_bucket("fan1", 3) + 1) % 3
    await gate._redis.unlink(*SaleKeys.of(sale.id, lost).all)  # a node restarted empty
    victim = next(c for c in customers if home_bucket(c, 3) == lost)

    with pytest.raises(GateNotLoaded):
        await take(gate, [buy(sale, victim)], DURING)
    assert not await gate.is_loaded(sale.id)
    # every bucket went, so no survivor sells while the record is read
    assert await gate.stock_left(sale.id) is None
    assert await gate.load_if_absent(sale, {"fan1": 2}, customers)
    assert await gate.stock_left(sale.id) == 28
    assert await take(gate, [buy(sale, "fan1")], DURING) == [
        decide(sale, DURING, registered=True, held=2, quantity=1, stock_left=28)
    ]


async def test_racing_loads_build_a_sale_once(cluster_gates: Open) -> None:
    gates = [await cluster_gates(buckets=4) for _ in range(3)]
    sale = new_sale(stock=100)

    built = await asyncio.gather(*(g.load_if_absent(sale, {}, ["alice"]) for g in gates * 2))

    assert sum(built) == 1
    assert await take(gates[2], [buy(sale, "alice")], DURING) == [None]
    assert await gates[0].load_if_absent(sale, {}, ["alice"]) is False
    assert await gates[1].stock_left(sale.id) == 99


async def test_a_process_with_another_bucket_count_is_told_so(cluster_gates: Open) -> None:
    three, two = await cluster_gates(buckets=3), await cluster_gates(buckets=2)
    sale = new_sale(stock=10)
    await three.load(sale, {}, ["alice", "bob", "carol"])
    customer = next(c for c in ("alice", "bob", "carol") if home_bucket(c, 2) == 0)

    with pytest.raises(Exception, match="FLASHSALE_GATE_STOCK_BUCKETS"):
        await take(two, [buy(sale, customer)], DURING)


# generations across buckets


async def test_a_load_that_dies_half_way_leaves_old_give_backs_only_the_old_buckets(
    cluster_gates: Open,
) -> None:
    gate = await cluster_gates(buckets=3)
    sale = new_sale(stock=30, limit=2)
    # One customer at home in bucket 2 (built first by a load), one in bucket 0 (built last).
    early = next(f"fan{i}" for i in range(100) if home_bucket(f"fan{i}", 3) == 2)
    late = next(f"fan{i}" for i in range(100) if home_bucket(f"fan{i}", 3) == 0)
    await gate.load(sale, {}, [early, late])
    old, also = await gate.take_stamped([buy(sale, early), buy(sale, late)], DURING)
    assert isinstance(old, int) and also == old
    install = gate._install_bucket

    async def dies_after_bucket_2(sale: FlashSale, bucket: int, *args: Any) -> None:
        if bucket < 2:
            raise ConnectionError("the loader died")
        await install(sale, bucket, *args)

    gate._install_bucket = dies_after_bucket_2  # type: ignore[method-assign, assignment]
    with pytest.raises(ConnectionError):
        await gate.load(sale, {early: 1, late: 1}, [early, late])
    gate._install_bucket = install  # type: ignore[method-assign]

    snapshot = await gate.snapshot(sale.id)
    assert snapshot is not None
    assert snapshot.generations[:2] == (old, old) and snapshot.generations[2] not in (old, None)
    assert await gate.generations([sale.id]) == [old]  # bucket 0's: the last complete load
    before = await gate.stock_left(sale.id)
    assert before is not None

    await gate.give_back([(buy(sale, early), old), (buy(sale, late), old)])

    # Bucket 2 was rebuilt from facts that hold early's unit: his old give-back is not its.
    assert await gate.stock_left(sale.id) == before + 1
    await gate.load(sale, {early: 1}, [early, late])
    assert len(set((await gate.snapshot(sale.id) or snapshot).generations)) == 1


async def test_a_short_walk_returns_nothing_to_a_home_bucket_loaded_since(
    cluster_gates: Open,
) -> None:
    # Alice's home bucket is dry: she claims her limit there and walks the buckets, collecting
    # a unit from her home bucket; then the sale is rebuilt from a record where bob holds every
    # unit, her walk comes back short, and the unit it collected (from buckets now replaced)
    # must not be put into the rebuilt ones.
    gate = await cluster_gates(buckets=3)
    sale = new_sale(stock=3, limit=3)
    await gate.load(sale, {}, ["alice", "bob"])
    run = gate._run
    rebuilt = False

    async def rebuilding_after_a_first_piece(script: Any, calls: Any) -> list[Any]:
        nonlocal rebuilt
        replies = await run(script, calls)
        if not rebuilt and script is gate._spill_script and calls[0][1][3] == "part":
            rebuilt = True
            await gate.load(sale, {"bob": 3}, ["alice", "bob"])
        return replies

    gate._run = rebuilding_after_a_first_piece  # type: ignore[method-assign]
    (outcome,) = await take(gate, [buy(sale, "alice", 3)], DURING)

    assert rebuilt
    assert outcome is not None and outcome.error in (SoldOut, InsufficientStock)
    assert await gate.stock_left(sale.id) == 0
    snapshot = await gate.snapshot(sale.id)
    assert snapshot is not None and snapshot.held == {"bob": 3}


# the sold-out flag


async def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_sold_out_is_known_everywhere_and_clears_on_give_back(
    cluster_gates: Open, redis_cluster_url: str
) -> None:
    seller = await cluster_gates(buckets=3, sold_out_flag=True)
    late = await cluster_gates(buckets=3, sold_out_ttl=60)
    for gate in (seller, late):
        assert gate.board is not None
        await asyncio.wait_for(gate.board.live.wait(), 5)
    sale = new_sale(stock=3)
    buyers = ["ann", "ben", "cid", "dan"]
    await seller.load(sale, {}, buyers)
    await take(late, [buy(sale, "dan")], DURING)  # learns the sale's window
    assert late.board is not None
    board = late.board
    now_us = int((DURING - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
    await give_back_now(seller, [buy(sale, "dan")])

    assert await take(seller, [buy(sale, "ann"), buy(sale, "ben"), buy(sale, "cid")], DURING) == [
        None,
        None,
        None,
    ]
    await _until(lambda: board.sold_out(sale.id, 3, now_us), "the late process hears sold out")

    round_trips = count_round_trips(late)
    refused = await asyncio.gather(*(take(late, [buy(sale, "dan")], DURING) for _ in range(50)))
    assert round_trips == [0]
    assert all(outcome == [SOLD_OUT] for outcome in refused)

    await give_back_now(seller, [buy(sale, "ben")])  # an expired reservation: one unit back
    await _until(lambda: not board.sold_out(sale.id, 3, now_us), "the flag clears everywhere")
    assert await take(late, [buy(sale, "dan")], DURING) == [None]
    assert round_trips[0] >= 1


async def test_a_lost_subscription_costs_a_round_trip_not_a_wrong_answer(
    cluster_gates: Open, redis_cluster_url: str
) -> None:
    seller = await cluster_gates(buckets=3)
    late = await cluster_gates(buckets=3, sold_out_ttl=60)
    assert late.board is not None
    board = late.board
    await asyncio.wait_for(board.live.wait(), 5)
    sale = new_sale(stock=2)
    await seller.load(sale, {}, ["ann", "ben", "cid"])
    await take(seller, [buy(sale, "ann"), buy(sale, "ben")], DURING)
    assert await take(late, [buy(sale, "cid")], DURING) == [SOLD_OUT]
    now_us = int((DURING - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
    assert board.sold_out(sale.id, 3, now_us)

    # The subscriber's connection is cut: whatever was published meanwhile is lost to it.
    session = board.session
    await _kill_pubsub_clients(redis_cluster_url)
    await give_back_now(seller, [buy(sale, "ann")])
    await _until(lambda: board.session != session, "the board subscribes again")

    assert not board.sold_out(sale.id, 3, now_us)
    round_trips = count_round_trips(late)
    assert await take(late, [buy(sale, "cid")], DURING) == [None]
    assert round_trips[0] >= 1


async def _kill_pubsub_clients(cluster_url: str) -> None:
    for host, port in parse_cluster_url(cluster_url).nodes:
        node = Redis(host=host, port=port)
        try:
            await node.execute_command("CLIENT", "KILL", "TYPE", "pubsub")  # type: ignore[no-untyped-call]
        finally:
            await node.aclose()
