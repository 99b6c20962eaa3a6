"""Rate limits of the waiting room: token buckets per customer and per client address.

Each sale's room sets the rates (``RoomSettings``); a bucket holds two seconds' worth, so a fan
who clicks a few times at once is not refused. Buckets live in memory on the embedded default
and in Redis in the scale-out mode (``RateLimiter``), so every API process counts together.

The cap on registrations per address is a bucket too: ``registrations_per_address`` tokens
refilling over a day, taken only when a customer new to the room joins.
"""

from __future__ import annotations

import math

from flashsale.domain.room_errors import AddressCapReached, TooManyRequests
from flashsale.domain.token_bucket import Limit
from flashsale.domain.waiting_room import RoomSettings
from flashsale.ports import RateLimiter

BURST_SECONDS = 2.0
DAY_SECONDS = 24 * 3600


def _per_second(rate: float) -> Limit:
    return Limit(rate, max(1.0, rate * BURST_SECONDS))


class RateLimits:
    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    async def check(
        self, sale_id: str, customer_id: str, address: str, settings: RoomSettings, now_ms: int
    ) -> None:
        """Raise TooManyRequests (with the seconds to wait) when either bucket is empty."""
        wait_ms = await self._limiter.acquire(
            [
                (f"{sale_id}:c:{customer_id}", _per_second(settings.customer_requests_per_second)),
                (f"{sale_id}:a:{address}", _per_second(settings.address_requests_per_second)),
            ],
            now_ms,
        )
        if wait_ms:
            raise TooManyRequests(
                "too many requests from this customer or address; slow down",
                retry_after=max(1, math.ceil(wait_ms / 1000)),
            )

    async def close(self) -> None:
        await self._limiter.close()

    async def take_registration(
        self, sale_id: str, address: str, settings: RoomSettings, now_ms: int
    ) -> None:
        cap = settings.registrations_per_address
        if cap is None:
            return
        limit = Limit(cap / DAY_SECONDS, cap)
        if await self._limiter.acquire([(f"{sale_id}:r:{address}", limit)], now_ms):
            raise AddressCapReached(
                f"this address has entered {cap} customers into the queue already"
            )
