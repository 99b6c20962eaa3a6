"""The reconciler heals drift between gate and record that persists, and nothing that passes."""

from __future__ import annotations

import pytest

from flashsale.platform.leadership import Leadership
from flashsale.sales.domain.purchase import PurchaseRequest
from flashsale.sales.errors import LimitReached, SoldOut
from flashsale.sales.service.gate_reconciler import GateReconciler, Healed
from tests.gate_helpers import take
from tests.unit.conftest import OPENS, World, build_world

SETTLE = 2.0
LOOK = 1.0  # seconds between looks


def reconciler(world: World, leadership: Leadership | None = None) -> GateReconciler:
    shop = world.shop
    return GateReconciler(
        world.store,
        shop.gate,
        world.clock,
        shop.metrics,
        leadership or shop.leadership,
        settle_seconds=SETTLE,
    )


async def looks(reconciling: GateReconciler, world: World, count: int) -> list[list[Healed]]:
    """``count`` looks, one a second on the world's clock."""
    seen = []
    for _ in range(count):
        seen.append(await reconciling.reconcile())
        world.clock.advance(LOOK)
    return seen


async def strand(world: World, customer: str, units: int = 1) -> None:
    """Units taken from the gate by a process that died before storing its order."""
    taken = await take(
        world.shop.gate, [PurchaseRequest(world.sale.id, customer, units)], world.clock.now()
    )
    assert taken == [None]


async def test_units_a_dead_process_stranded_go_back_on_sale_by_themselves(world: World) -> None:
    buyers = [await world.customer() for _ in range(3)]
    world.at(OPENS)
    await world.shop.purchasing.purchase(buyers[0], world.sale.id, 1)
    await strand(world, buyers[1], 2)
    assert await world.stock_left() == 7
    reconciling = reconciler(world)

    healed = await looks(reconciling, world, 3)

    assert healed[:2] == [[], []], "healed before the drift had settled"
    assert healed[2] == [Healed(world.sale.id, 2, 1)]
    assert await world.stock_left() == 9
    # The stranded buyer holds nothing in the record, so may buy again.
    await world.shop.purchasing.purchase(buyers[1], world.sale.id, 2)
    audit = await world.shop.auditing.audit(world.sale.id)
    assert audit.clean, audit
    assert audit.gate_drift_healed == 2
    metrics = world.shop.metrics.render().decode()
    assert 'flashsale_gate_drift_healed_units_total{direction="returned"} 2.0' in metrics
    assert "flashsale_gate_drift_units 2.0" in metrics  # what the healing look found
    await reconciling.reconcile()
    assert "flashsale_gate_drift_units 0.0" in world.shop.metrics.render().decode()


async def test_drift_that_comes_and_goes_is_left_alone(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    reconciling = reconciler(world)
    await strand(world, buyer)  # a purchase in flight at the first look...
    assert await reconciling.reconcile() == []
    (generation,) = await world.shop.gate.generations([world.sale.id])
    assert generation is not None
    # ...whose commit failed: its unit came back.
    await world.shop.gate.give_back([(PurchaseRequest(world.sale.id, buyer, 1), generation)])
    world.clock.advance(LOOK)

    assert await looks(reconciling, world, 4) == [[], [], [], []]
    assert await world.stock_left() == 10


async def test_nothing_is_healed_while_buyers_keep_buying(world: World) -> None:
    buyers = [await world.customer() for _ in range(6)]
    world.at(OPENS)
    await strand(world, buyers[0])
    reconciling = reconciler(world)
    for buyer in buyers[1:]:  # a purchase stored between every two looks
        assert await reconciling.reconcile() == []
        await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
        world.clock.advance(LOOK)

    healed = await looks(reconciling, world, 3)

    assert healed == [[], [], [Healed(world.sale.id, 1, 1)]], "healed once still, exactly"
    await world.assert_clean()


async def test_units_the_gate_believes_in_and_the_record_has_not_are_withdrawn() -> None:
    world = await build_world(stock=10, limit=1)
    try:
        buyers = [await world.customer() for _ in range(4)]
        world.at(OPENS)
        for buyer in buyers[:3]:
            await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
        # A gate failed over to a replica that never saw the last two takes.
        (generation,) = await world.shop.gate.generations([world.sale.id])
        assert generation is not None
        assert await world.shop.gate.adjust(world.sale.id, generation, 2, {buyers[2]: -1}) == 2

        healed = await looks(reconciler(world), world, 3)

        assert healed[2] == [Healed(world.sale.id, -2, 1)]
        assert await world.stock_left() == 7
        with pytest.raises(LimitReached):  # the healed hold refuses a second unit
            await world.shop.purchasing.purchase(buyers[2], world.sale.id, 1)
        await world.assert_clean()
    finally:
        await world.shop.aclose()


async def test_a_rebuild_between_looks_starts_the_wait_again(world: World) -> None:
    buyer = await world.customer()
    world.at(OPENS)
    await strand(world, buyer)
    reconciling = reconciler(world)
    assert await looks(reconciling, world, 2) == [[], []]

    await world.shop.directory.rebuild_gate(world.sale)  # heals it, in a new generation

    assert await looks(reconciling, world, 4) == [[], [], [], []]
    assert await world.stock_left() == 10


async def test_only_the_leader_heals(world: World) -> None:
    class Follower:
        async def leads(self, role: str) -> bool:
            return False

        async def close(self) -> None:
            return None

    buyer = await world.customer()
    world.at(OPENS)
    await strand(world, buyer)

    assert await looks(reconciler(world, Follower()), world, 5) == [[]] * 5
    assert await world.stock_left() == 9


async def test_a_gate_reset_mid_sale_cannot_oversell_and_heals() -> None:
    """The in-process gate reset to a full, empty-handed state in the middle of a sale: the
    record refuses what the gate wrongly lets through, and the reconciler withdraws the rest."""
    world = await build_world(stock=5, limit=1)
    try:
        buyers = [await world.customer() for _ in range(12)]
        world.at(OPENS)
        for buyer in buyers[:4]:
            await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
        registered = await world.store.registered_customers(world.sale.id)
        await world.shop.gate.load(world.sale, {}, registered)  # forgets the four

        sold, refused = 0, 0
        for buyer in [*buyers[:2], *buyers[4:]]:
            try:
                await world.shop.purchasing.purchase(buyer, world.sale.id, 1)
                sold += 1
            except (SoldOut, LimitReached):
                refused += 1
        assert sold == 1, "one unit was left"
        assert await world.store.units_held([world.sale.id]) == {world.sale.id: 5}
        audit = await world.shop.auditing.audit(world.sale.id)
        assert (audit.oversold, audit.customers_over_limit) == (0, 0)

        await looks(reconciler(world), world, 3)
        await world.assert_clean()
    finally:
        await world.shop.aclose()
