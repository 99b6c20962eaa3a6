"""The purchase path on the memory adapters: refusals, idempotency, limits, commit failures."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

import pytest

from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import MAX_IDEMPOTENCY_KEY, Order, OrderStatus
from flashsale.orders.domain.placement import Placement
from flashsale.orders.ports import CommitOutcomeUnknown
from flashsale.sales.errors import (
    CommitFailed,
    IdempotencyKeyReused,
    InsufficientStock,
    LimitReached,
    NotRegistered,
    PurchaseRefused,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)
from flashsale.sales.service import purchasing
from tests.unit.conftest import (
    CLOSES,
    ONE_MICROSECOND,
    OPENS,
    PAYMENT_WINDOW,
    World,
    build_world,
    sale_spec,
)


async def test_a_purchase_reserves_units_and_is_stored(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    result = await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    order = result.order
    assert not result.replayed
    assert (order.status, order.quantity, order.amount) == (
        OrderStatus.RESERVED,
        2,
        Money(Decimal("1998"), "INR"),
    )
    assert (order.created_at, order.expires_at) == (OPENS, OPENS + PAYMENT_WINDOW)
    assert await world.store.order(order.id) == order
    assert await world.stock_left() == 8
    await world.assert_clean()


async def test_one_microsecond_before_opening_is_refused(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS - ONE_MICROSECOND)
    with pytest.raises(SaleNotOpenYet):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1)


async def test_the_closing_instant_is_refused(world: World) -> None:
    buyer = await world.customer()
    world.at(CLOSES - ONE_MICROSECOND)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    world.at(CLOSES)
    with pytest.raises(SaleClosed):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1)


async def test_an_unregistered_customer_is_refused(world: World) -> None:
    stranger = await world.customer(register=False)
    world.at(OPENS)
    with pytest.raises(NotRegistered):
        await world.shop.purchasing.purchase(stranger, world.sale.id, 1)
    assert await world.store.orders_of_customer(stranger) == []


async def test_the_limit_counts_earlier_orders(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    with pytest.raises(LimitReached):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    with pytest.raises(LimitReached):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1)


async def test_sold_out_and_insufficient_stock() -> None:
    world = await build_world(stock=3, limit=2)
    first, second, third = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    await world.shop.purchasing.purchase(first, world.sale.id, 2)
    with pytest.raises(InsufficientStock, match="only 1 left"):
        await world.shop.purchasing.purchase(second, world.sale.id, 2)
    await world.shop.purchasing.purchase(second, world.sale.id, 1)
    with pytest.raises(SoldOut):
        await world.shop.purchasing.purchase(third, world.sale.id, 1)
    await world.assert_clean()


@pytest.mark.parametrize("quantity", [0, -1, 1001])
async def test_a_nonsense_quantity_is_invalid(world: World, quantity: int) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    with pytest.raises(InvalidInput):
        await world.shop.purchasing.purchase(buyer, world.sale.id, quantity)


async def test_an_unknown_sale_is_not_found(world: World) -> None:
    buyer = await world.customer()
    with pytest.raises(NotFound):
        await world.shop.purchasing.purchase(buyer, "sale_nope", 1)


@pytest.mark.parametrize("key", ["", "k" * (MAX_IDEMPOTENCY_KEY + 1)])
async def test_an_idempotency_key_must_be_1_to_255_characters(world: World, key: str) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    with pytest.raises(InvalidInput, match="idempotency"):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1, key)
    assert await world.stock_left() == 10


async def test_the_longest_idempotency_key_is_accepted(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    key = "k" * MAX_IDEMPOTENCY_KEY
    result = await world.shop.purchasing.purchase(buyer, world.sale.id, 1, key)
    assert result.order.idempotency_key == key


async def test_a_replayed_key_returns_the_same_order_and_takes_nothing(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    first = await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click-1")
    again = await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click-1")
    assert (again.order, again.replayed, first.replayed) == (first.order, True, False)
    assert len(await world.store.orders_of_customer(buyer)) == 1


async def test_a_key_sent_again_with_another_quantity_is_refused_not_replayed(
    world: World,
) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click-1")
    with pytest.raises(IdempotencyKeyReused, match="another purchase"):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 2, "click-1")
    assert len(await world.store.orders_of_customer(buyer)) == 1
    assert await world.stock_left() == 9
    await world.assert_clean()


async def test_a_key_reused_for_another_sale_is_refused_while_the_first_is_in_flight(
    world: World,
) -> None:
    buyer = await world.customer()
    other = await world.shop.sales.create(sale_spec(stock=5, per_customer_limit=2))
    world.at(OPENS)
    first, second = await asyncio.gather(
        world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click-1"),
        world.shop.purchasing.purchase(buyer, other.id, 1, "click-1"),
        return_exceptions=True,
    )
    assert isinstance(first, purchasing.PurchaseResult) and not first.replayed
    assert isinstance(second, IdempotencyKeyReused)
    assert await world.shop.gate.stock_left(other.id) == 5


async def test_a_reused_key_is_refused_after_a_restart_and_its_units_go_back(
    world: World,
) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click-1")
    shop = await world.restart()
    with pytest.raises(IdempotencyKeyReused):
        await shop.purchasing.purchase(buyer, world.sale.id, 2, "click-1")
    await shop.purchasing.drain()
    assert len(await world.store.orders_of_customer(buyer)) == 1
    assert await world.stock_left() == 9
    await world.assert_clean()
    assert await world.stock_left() == 9


async def test_a_replayed_key_answers_even_once_the_sale_has_closed(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    first = await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click-1")
    world.at(CLOSES)
    again = await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click-1")
    assert again.order.id == first.order.id


async def test_the_same_key_of_two_customers_is_two_orders(world: World) -> None:
    one, two = await world.customer(), await world.customer()
    world.at(OPENS)
    a = await world.shop.purchasing.purchase(one, world.sale.id, 1, "same")
    b = await world.shop.purchasing.purchase(two, world.sale.id, 1, "same")
    assert a.order.id != b.order.id
    assert not b.replayed


async def test_concurrent_identical_keyed_requests_make_one_order(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    results = await asyncio.gather(
        *(world.shop.purchasing.purchase(buyer, world.sale.id, 1, "tap") for _ in range(5))
    )
    assert len({r.order.id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False, True, True, True, True]
    assert len(await world.store.orders_of_customer(buyer)) == 1
    assert await world.stock_left() == 9
    await world.assert_clean()


async def test_a_double_click_without_a_key_cannot_exceed_the_limit(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    outcomes = await asyncio.gather(
        *(world.shop.purchasing.purchase(buyer, world.sale.id, 1) for _ in range(6)),
        return_exceptions=True,
    )
    taken = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(taken) == 2
    assert all(isinstance(r, LimitReached) for r in refused)
    assert sum(o.quantity for o in await world.store.orders_of_customer(buyer)) == 2


async def test_a_rush_sells_exactly_the_stock_once() -> None:
    world = await build_world(stock=7, limit=2)
    buyers = [await world.customer() for _ in range(12)]
    world.at(OPENS)
    outcomes = await asyncio.gather(
        *(world.shop.purchasing.purchase(b, world.sale.id, 1) for b in buyers),
        return_exceptions=True,
    )
    sold = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(sold) == 7
    assert all(isinstance(o, SoldOut) for o in outcomes if isinstance(o, BaseException))
    held = await world.store.held_by_customer(world.sale.id)
    assert sum(held.values()) == 7
    await world.assert_clean()


async def test_a_commit_failure_is_not_acknowledged_and_gives_the_units_back(
    world: World,
) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    world.store.fail_next_inserts = 1
    with pytest.raises(CommitFailed) as caught:
        await world.shop.purchasing.purchase(buyer, world.sale.id, 2, "k1")
    assert isinstance(caught.value.__cause__, ConnectionError)
    assert await world.store.orders_of_customer(buyer) == []
    assert await world.stock_left() == 10
    await world.assert_clean()
    # the same key retried after the failure buys for real; the limit was given back too
    retry = await world.shop.purchasing.purchase(buyer, world.sale.id, 2, "k1")
    assert not retry.replayed
    assert await world.stock_left() == 8


async def test_a_commit_failure_fails_its_whole_batch_and_every_unit_returns(
    world: World,
) -> None:
    buyers = [await world.customer() for _ in range(4)]
    world.at(OPENS)
    world.store.fail_next_inserts = 1
    outcomes = await asyncio.gather(
        *(world.shop.purchasing.purchase(b, world.sale.id, 1) for b in buyers),
        return_exceptions=True,
    )
    failed = [o for o in outcomes if isinstance(o, CommitFailed)]
    stored = await world.store.orders_of_sale(world.sale.id)
    assert len(failed) + len(stored) == 4
    assert failed
    assert await world.stock_left() == 10 - len(stored)
    await world.assert_clean()


async def test_a_commit_that_landed_but_lost_its_answer_acknowledges_its_orders(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyers = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    insert = world.store.insert_orders

    async def lands_then_breaks(orders: Sequence[Order]) -> set[str]:
        await insert(orders)
        raise CommitOutcomeUnknown("the connection broke after the commit")

    monkeypatch.setattr(world.store, "insert_orders", lands_then_breaks)
    results = await asyncio.gather(
        *(world.shop.purchasing.purchase(b, world.sale.id, 1) for b in buyers)
    )
    assert {r.order.customer_id for r in results} == set(buyers)
    stored = await world.store.orders_of_sale(world.sale.id)
    assert {o.id for o in stored} == {r.order.id for r in results}
    assert await world.stock_left() == 10 - len(buyers)  # nothing given back: all sold
    await world.assert_clean()


async def test_units_of_a_commit_of_unknown_outcome_wait_for_the_record_to_say(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purchasing, "SETTLE_FIRST_PAUSE", 0.001)
    buyers = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    insert, read = world.store.insert_orders, world.store.orders_by_id
    readable = asyncio.Event()

    async def breaks(orders: Sequence[Order]) -> set[str]:
        raise CommitOutcomeUnknown("the connection broke before the commit")

    async def read_when_back(order_ids: Sequence[str]) -> dict[str, Order]:
        if not readable.is_set():
            raise ConnectionError("the database is down")
        return await read(order_ids)

    monkeypatch.setattr(world.store, "insert_orders", breaks)
    monkeypatch.setattr(world.store, "orders_by_id", read_when_back)
    outcomes = await asyncio.gather(
        *(world.shop.purchasing.purchase(b, world.sale.id, 1) for b in buyers),
        return_exceptions=True,
    )
    assert all(isinstance(o, CommitFailed) for o in outcomes), outcomes
    await asyncio.sleep(0.05)
    # The record cannot say whether they were stored: the units stay out of the gate.
    assert await world.stock_left() == 10 - len(buyers)
    readable.set()
    for _ in range(200):
        if await world.stock_left() == 10:
            break
        await asyncio.sleep(0.005)
    assert await world.stock_left() == 10  # it said no: they are on sale again
    monkeypatch.setattr(world.store, "insert_orders", insert)
    await world.assert_clean()
    again = await world.shop.purchasing.purchase(buyers[0], world.sale.id, 1)
    assert not again.replayed


async def test_a_failed_commit_with_a_rebuild_in_between_gives_nothing_back_twice(
    world: World,
) -> None:
    # The buyer holds a stored unit and buys a second; while its commit is failing the gate is
    # rebuilt from the store, which counts that second unit free. Given back on top, it would
    # be sold twice and the buyer could pass the limit.
    buyer = await world.customer()
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyer, world.sale.id, 1)

    async def rebuild_then_fail(orders: Sequence[Order]) -> Placement:
        await world.shop.directory.rebuild_gate(world.sale)
        raise ConnectionError("injected commit failure")

    insert_orders = world.store.insert_orders
    world.store.insert_orders = rebuild_then_fail  # type: ignore[method-assign]
    with pytest.raises(CommitFailed):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
    world.store.insert_orders = insert_orders  # type: ignore[method-assign]

    assert await world.stock_left() == 9
    with pytest.raises(LimitReached):
        await world.shop.purchasing.purchase(buyer, world.sale.id, 2)
    await world.assert_clean()


async def test_a_caller_that_hangs_up_still_gets_its_order_stored(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    task = asyncio.create_task(world.shop.purchasing.purchase(buyer, world.sale.id, 1))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(20):  # the shielded purchase carries on without its caller
        await asyncio.sleep(0)
    await world.shop.purchasing.drain()
    (stored,) = await world.store.orders_of_customer(buyer)
    assert stored.quantity == 1
    assert await world.stock_left() == 9
    await world.assert_clean()


async def test_every_refusal_is_a_purchase_refusal(world: World) -> None:
    stranger = await world.customer(register=False)
    world.at(OPENS)
    with pytest.raises(PurchaseRefused):
        await world.shop.purchasing.purchase(stranger, world.sale.id, 1)


async def test_keyed_refusals_after_a_sell_out_share_their_reads(world: World) -> None:
    buyers = [await world.customer() for _ in range(60)]
    world.at(world.sale.opens_at)
    reads: list[int] = []
    original = world.store.orders_by_idempotency_keys

    async def counted(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Order]:
        reads.append(len(keys))
        return await original(keys)

    world.store.orders_by_idempotency_keys = counted  # type: ignore[method-assign]
    outcomes = await asyncio.gather(
        *(world.shop.purchasing.purchase(b, world.sale.id, 1, f"key-{b}") for b in buyers),
        return_exceptions=True,
    )
    refused = sum(1 for o in outcomes if isinstance(o, SoldOut))
    assert refused == len(buyers) - world.sale.stock_total
    assert sum(reads) == refused
    assert len(reads) <= 3, reads


async def test_a_retry_after_a_restart_replays_even_when_its_commit_fails(world: World) -> None:
    # Found by the stateful test: the restarted process does not know the key, the gate has
    # room (limit 2), the retry's own commit fails, and the stored first attempt must answer.
    buyer = await world.customer()
    world.at(world.sale.opens_at)
    first = await world.shop.purchasing.purchase(buyer, world.sale.id, 1, "click")
    shop = await world.restart()
    world.store.fail_next_inserts = 1
    retry = await shop.purchasing.purchase(buyer, world.sale.id, 1, "click")
    assert retry.replayed
    assert retry.order.id == first.order.id
    assert await shop.gate.stock_left(world.sale.id) == world.sale.stock_total - 1


async def test_purchases_count_as_arrived_before_they_are_answered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The back office in the same process yields while a sale sells; a batch of its own that
    # holds the record's writer delays every answer, and that lull must not read as the end.
    buyers = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    insert = world.store.insert_orders
    writer_free = asyncio.Event()

    async def held(orders: Sequence[Order]) -> Placement:
        await writer_free.wait()
        return await insert(orders)

    monkeypatch.setattr(world.store, "insert_orders", held)
    arrived = world.shop.metrics.purchases_arrived
    buying = [
        asyncio.create_task(world.shop.purchasing.purchase(b, world.sale.id, 1)) for b in buyers
    ]
    for _ in range(10):
        await asyncio.sleep(0)
    assert not any(task.done() for task in buying)
    assert world.shop.metrics.purchases_arrived == arrived + len(buyers)
    writer_free.set()
    await asyncio.gather(*buying)
    assert world.shop.metrics.purchases_arrived == arrived + len(buyers)
    await world.assert_clean()
