"""The worker's waves on a ManualClock: one every interval at each active DC where allocated
orders wait, the interval's share of the hour, never over any hour's capacity, by the market's
leader only, paused while a sale sells."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from flashsale.bootstrap import build_shop
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.waves import CAPACITY_WINDOW, Wave, scheduled_share
from flashsale.fulfilment.service.running import Allocators
from flashsale.fulfilment.service.waves import RETRY_AFTER, SCHEDULE_ACTOR
from flashsale.inventory.domain.location import LocationKind
from flashsale.kernel.clock import ManualClock
from tests.conftest import fast_settings
from tests.unit.conftest import T0
from tests.unit.fulfilment.conftest import BLR, Warehouse
from tests.unit.fulfilment.test_waves import allocated_orders

MINUTE = 60.0


class Followers:
    """A leadership this process never has: another process leads every market."""

    async def leads(self, role: str) -> bool:
        return False

    async def close(self) -> None:
        return None


def allocators_of(warehouse: Warehouse) -> Allocators:
    return warehouse.f.allocators


def another_process(
    warehouse: Warehouse, *, lead: bool = True, busy: Callable[[], bool] = lambda: False
) -> Allocators:
    """Allocators like the shop's, as another process's loop would hold: leading nothing, or
    kept ``busy`` by a sale."""
    shop = warehouse.shop
    leadership = shop.leadership if lead else Followers()
    return Allocators(
        warehouse.f.allocators.of, _markets, leadership, shop.sales, shop.store, busy=busy
    )


async def _markets() -> list[str]:
    return ["IN"]


async def waves_of(warehouse: Warehouse) -> list[Wave]:
    listed = await warehouse.shop.fulfilment_ops.waves.listed("DC-BLR", 200)
    return sorted(listed, key=lambda wave: wave.cut_at)


def assert_no_hour_over(waves: list[Wave], capacity: int) -> None:
    for wave in waves:
        hour = [w for w in waves if wave.cut_at - CAPACITY_WINDOW < w.cut_at <= wave.cut_at]
        assert sum(len(w.orders) for w in hour) <= capacity, [
            (w.cut_at, len(w.orders)) for w in hour
        ]


@pytest.mark.parametrize(
    ("capacity", "minutes", "share"),
    [(3500, 30, 1750), (3500, 60, 3500), (3500, 90, 3500), (3500, 7, 409), (4, 20, 2), (1, 1, 1)],
)
def test_a_scheduled_wave_takes_the_intervals_share_of_the_hour(
    capacity: int, minutes: int, share: int
) -> None:
    assert scheduled_share(capacity, timedelta(minutes=minutes)) == share


async def test_a_wave_is_cut_every_interval_once_orders_wait(warehouse: Warehouse) -> None:
    orders = await allocated_orders(warehouse, 3)
    clock = warehouse.world.clock
    allocators = allocators_of(warehouse)
    allocators.cut_waves(warehouse.shop.fulfilment_ops.waves, 30)
    await allocators.step()
    clock.advance(30 * MINUTE - 1)
    await allocators.step()
    assert await waves_of(warehouse) == []  # not before its interval from the start
    clock.advance(1)
    await allocators.step()
    (wave,) = await waves_of(warehouse)
    assert (wave.location, wave.cut_by, wave.cut_at) == ("DC-BLR", SCHEDULE_ACTOR, clock.now())
    assert [fo.source_id for fo in wave.orders] == [o.id for o in orders]
    assert {fo.status for fo in wave.orders} == {FulfilmentStatus.PICKING}
    # Nothing waits now: the next turns pass without a wave.
    for _ in range(3):
        clock.advance(30 * MINUTE)
        await allocators.step()
    assert len(await waves_of(warehouse)) == 1
    await warehouse.assert_audit_clean()


async def test_scheduled_waves_never_pass_an_hours_capacity(warehouse: Warehouse) -> None:
    await warehouse.f.locations.replace(replace(BLR, capacity_per_hour=4))
    await allocated_orders(warehouse, 10)
    clock = warehouse.world.clock
    allocators = allocators_of(warehouse)
    allocators.cut_waves(warehouse.shop.fulfilment_ops.waves, 20)
    ops = warehouse.shop.fulfilment_ops
    for step in range(1, 40):  # five-minute steps, 3 h 15 min
        clock.advance(5 * MINUTE)
        await allocators.step()
        if step == 2:  # and a person cuts one before the first turn
            await ops.waves.cut("DC-BLR", 1, "staff:1")
    waves = await waves_of(warehouse)
    assert_no_hour_over(waves, 4)
    scheduled = [w for w in waves if w.cut_by == SCHEDULE_ACTOR]
    # A third of the hour, rounded up, or less when the last hour's waves left less.
    assert {len(w.orders) for w in scheduled} == {1, 2}
    assert sum(len(w.orders) for w in waves) == 10
    # A wave every 20 minutes, unless the hour was spent or a person's wave moved the turn.
    gaps = {b.cut_at - a.cut_at for a, b in itertools.pairwise(scheduled)}
    assert min(gaps) == timedelta(minutes=20)


async def test_a_wave_cut_by_hand_moves_the_next_turn(warehouse: Warehouse) -> None:
    await allocated_orders(warehouse, 3)
    clock = warehouse.world.clock
    start = clock.now()
    allocators = allocators_of(warehouse)
    allocators.cut_waves(warehouse.shop.fulfilment_ops.waves, 30)
    clock.advance(20 * MINUTE)
    await warehouse.shop.fulfilment_ops.waves.cut("DC-BLR", 1, "staff:1")
    clock.advance(10 * MINUTE)
    await allocators.step()
    assert len(await waves_of(warehouse)) == 1  # 30 minutes after the start: the hand's was 10 ago
    clock.set(start + timedelta(minutes=50))
    await allocators.step()
    waves = await waves_of(warehouse)
    assert [(w.cut_by, len(w.orders)) for w in waves] == [("staff:1", 1), (SCHEDULE_ACTOR, 2)]


@pytest.mark.parametrize("closed", [{"active": False}, {"kind": LocationKind.STORE}])
async def test_inactive_locations_and_stores_get_no_scheduled_wave(
    warehouse: Warehouse, closed: dict[str, object]
) -> None:
    await allocated_orders(warehouse, 2)
    await warehouse.f.locations.replace(replace(BLR, **closed))  # type: ignore[arg-type]
    allocators = allocators_of(warehouse)
    allocators.cut_waves(warehouse.shop.fulfilment_ops.waves, 30)
    warehouse.world.clock.advance(31 * MINUTE)
    await allocators.step()
    assert await waves_of(warehouse) == []


async def test_only_the_markets_leader_cuts(warehouse: Warehouse) -> None:
    await allocated_orders(warehouse, 2)
    follower = another_process(warehouse, lead=False)
    follower.cut_waves(warehouse.shop.fulfilment_ops.waves, 30)
    warehouse.world.clock.advance(31 * MINUTE)
    await follower.step()
    assert await waves_of(warehouse) == []


async def test_no_wave_is_cut_while_a_sale_sells(warehouse: Warehouse) -> None:
    await allocated_orders(warehouse, 2)
    selling = [True]
    allocators = another_process(warehouse, busy=lambda: selling[0])
    allocators.cut_waves(warehouse.shop.fulfilment_ops.waves, 30)
    warehouse.world.clock.advance(31 * MINUTE)
    loop = asyncio.create_task(allocators.run_forever(poll_seconds=0))
    try:
        for _ in range(20):
            await asyncio.sleep(0)
        assert await waves_of(warehouse) == []
        selling[0] = False
        for _ in range(200):
            await asyncio.sleep(0)
            if await waves_of(warehouse):
                break
        (wave,) = await waves_of(warehouse)
        assert len(wave.orders) == 2
    finally:
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop


async def test_a_failed_cut_is_tried_again_soon(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await allocated_orders(warehouse, 2)
    clock = warehouse.world.clock
    allocators = allocators_of(warehouse)
    allocators.cut_waves(warehouse.shop.fulfilment_ops.waves, 30)
    store = warehouse.shop.store
    cut_wave = store.cut_wave

    async def away(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the database is away")

    monkeypatch.setattr(store, "cut_wave", away)
    clock.advance(30 * MINUTE)
    await allocators.step()
    assert "the scheduled wave at DC-BLR failed" in caplog.text
    monkeypatch.setattr(store, "cut_wave", cut_wave)
    clock.advance(RETRY_AFTER.total_seconds() - 1)
    await allocators.step()
    assert await waves_of(warehouse) == []
    clock.advance(1)
    await allocators.step()
    assert len(await waves_of(warehouse)) == 1


async def test_an_interval_of_zero_cuts_only_when_asked(warehouse: Warehouse) -> None:
    await allocated_orders(warehouse, 2)
    allocators = allocators_of(warehouse)
    allocators.cut_waves(warehouse.shop.fulfilment_ops.waves, 0)
    assert allocators.wave_schedule is None
    warehouse.world.clock.advance(24 * 60 * MINUTE)
    await allocators.step()
    assert await waves_of(warehouse) == []


@pytest.mark.parametrize(("minutes", "interval"), [(30, timedelta(minutes=30)), (0, None)])
async def test_the_setting_starts_the_schedule_with_the_allocators(
    minutes: int, interval: timedelta | None
) -> None:
    shop = await build_shop(fast_settings(wave_every_minutes=minutes), clock=ManualClock(T0))
    try:
        shop.start_fulfilment()
        schedule = shop.fulfilment.allocators.wave_schedule
        assert (schedule.interval if schedule else None) == interval
    finally:
        await shop.aclose()
