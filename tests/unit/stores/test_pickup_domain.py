"""Click & collect's small rules: the delivery choice's shape, the pickup code, and the
wrong-code limit per store on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flashsale.customers.errors import TooManyAttempts
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.delivery import Delivery, DeliveryMethod
from flashsale.stores.domain.pickup import is_code, new_code
from flashsale.stores.service.pickup_throttle import PickupThrottle
from flashsale.waiting_room.adapters.memory_state import MemoryRateLimiter

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_a_delivery_is_ship_or_a_pickup_naming_its_store() -> None:
    assert Delivery.of("pickup", " mh-blr ") == Delivery(DeliveryMethod.PICKUP, "MH-BLR")
    assert Delivery.of("ship", None).pickup_store is None
    assert Delivery.of("ship", "") == Delivery(DeliveryMethod.SHIP)
    for method, store in (("pickup", None), ("pickup", "  "), ("ship", "MH-BLR"), ("drone", None)):
        with pytest.raises(InvalidInput):
            Delivery.of(method, store)
    with pytest.raises(InvalidInput):
        Delivery(DeliveryMethod.PICKUP, "X" * 33)


def test_codes_are_six_random_digits() -> None:
    codes = {new_code() for _ in range(2_000)}
    assert all(is_code(c) for c in codes)
    assert len(codes) > 1_990  # a million possible: repeats are rare
    assert not is_code("12345") and not is_code("12345a") and not is_code("１２３４５６")


async def test_five_wrong_codes_a_minute_per_store_then_429_until_a_token_is_back() -> None:
    clock = ManualClock(T0)
    throttle = PickupThrottle(MemoryRateLimiter(), clock)
    for _ in range(5):
        throttle.admit("MH-BLR")
        await throttle.failed("MH-BLR")
    with pytest.raises(TooManyAttempts) as refused:
        await throttle.failed("MH-BLR")
    assert refused.value.retry_after >= 1
    with pytest.raises(TooManyAttempts):
        throttle.admit("MH-BLR")  # every attempt there waits, a right code too
    throttle.admit("MH-KOR")  # another store is not held up
    await throttle.failed("MH-KOR")
    clock.set(T0 + timedelta(seconds=12))
    throttle.admit("MH-BLR")
    await throttle.failed("MH-BLR")  # one token came back
    with pytest.raises(TooManyAttempts):
        await throttle.failed("MH-BLR")
