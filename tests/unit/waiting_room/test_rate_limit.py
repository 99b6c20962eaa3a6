"""Token buckets: a burst passes, a flood is refused with the time to wait, time refills."""

from __future__ import annotations

import pytest

from flashsale.kernel.token_bucket import Limit, refill, retry_after_ms
from flashsale.waiting_room.adapters.memory_state import MemoryRateLimiter
from flashsale.waiting_room.domain.errors import AddressCapReached, TooManyRequests
from flashsale.waiting_room.domain.room import RoomSettings
from flashsale.waiting_room.service.rate_limits import RateLimits

T = 1_800_000_000_000  # epoch ms


def test_refill_is_capped_by_the_burst_and_ignores_time_going_back() -> None:
    limit = Limit(rate=2, burst=4)
    assert refill(0, T, T + 500, limit) == 1.0
    assert refill(0, T, T + 60_000, limit) == 4.0
    assert refill(1.5, T, T - 1000, limit) == 1.5
    assert retry_after_ms(0.0, limit) == 500
    assert retry_after_ms(0.999, limit) >= 1


def test_a_limit_needs_a_positive_rate_and_a_burst_of_one() -> None:
    with pytest.raises(ValueError, match="a limit needs"):
        Limit(rate=0, burst=1)
    with pytest.raises(ValueError, match="a limit needs"):
        Limit(rate=1, burst=0.5)


async def test_a_burst_passes_then_the_bucket_refuses_until_it_refills() -> None:
    limiter = MemoryRateLimiter()
    limit = Limit(rate=10, burst=3)
    assert [await limiter.acquire("sale", [("k", limit)], T) for _ in range(3)] == [0, 0, 0]
    assert await limiter.acquire("sale", [("k", limit)], T) == 100
    assert await limiter.acquire("sale", [("other", limit)], T) == 0  # buckets are separate
    assert await limiter.acquire("sale2", [("k", limit)], T) == 0  # and so are sales
    assert await limiter.acquire("sale", [("k", limit)], T + 100) == 0


async def test_a_group_takes_from_every_bucket_or_from_none() -> None:
    limiter = MemoryRateLimiter()
    roomy, tight = Limit(rate=1, burst=5), Limit(rate=1, burst=1)
    assert await limiter.acquire("sale", [("a", roomy), ("b", tight)], T) == 0
    assert await limiter.acquire("sale", [("a", roomy), ("b", tight)], T) == 1000
    # "a" gave nothing for the refused request: four of its five tokens are left
    assert [await limiter.acquire("sale", [("a", roomy)], T) for _ in range(5)] == [
        0,
        0,
        0,
        0,
        1000,
    ]


async def test_rate_limits_raise_429_with_whole_seconds_to_wait() -> None:
    limits = RateLimits(MemoryRateLimiter())
    settings = RoomSettings(customer_requests_per_second=0.5, address_requests_per_second=100)
    await limits.check("sale", "cus", "10.0.0.1", settings, T)  # burst: max(1, 2 s * 0.5)
    with pytest.raises(TooManyRequests) as refused:
        await limits.check("sale", "cus", "10.0.0.1", settings, T)
    assert refused.value.retry_after == 2
    await limits.check("sale", "cus_other", "10.0.0.1", settings, T)


async def test_registrations_per_address_are_capped() -> None:
    limits = RateLimits(MemoryRateLimiter())
    settings = RoomSettings(registrations_per_address=2)
    await limits.take_registration("sale", "10.0.0.1", settings, T)
    await limits.take_registration("sale", "10.0.0.1", settings, T + 1000)
    with pytest.raises(AddressCapReached):
        await limits.take_registration("sale", "10.0.0.1", settings, T + 2000)
    await limits.take_registration("sale", "10.0.0.2", settings, T + 2000)
    await limits.take_registration("sale", "10.0.0.1", RoomSettings(), T + 3000)  # no cap


def test_a_request_counts_in_its_customer_and_address_buckets_and_the_cap_per_day() -> None:
    settings = RoomSettings(
        customer_requests_per_second=5, address_requests_per_second=50, registrations_per_address=3
    )
    assert RateLimits.buckets("cus", "10.0.0.1", settings) == [
        ("c:cus", Limit(5, 10)),
        ("a:10.0.0.1", Limit(50, 100)),
    ]
    assert RateLimits.cap("10.0.0.1", settings) == ("r:10.0.0.1", Limit(3 / 86400, 3))
    assert RateLimits.cap("10.0.0.1", RoomSettings()) is None
    assert RateLimits.too_many(1).retry_after == 1
    assert RateLimits.too_many(2001).retry_after == 3
