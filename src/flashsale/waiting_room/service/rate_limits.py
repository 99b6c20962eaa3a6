"""Rate limits of the waiting room: token buckets per customer and per client address.

Each sale's room sets the rates (``RoomSettings``); a bucket holds two seconds' worth, so a fan
who clicks a few times at once is not refused. The buckets are the room state's
(``RoomState.limiter``), shared by every API process where the state is: a join and a status
read take their tokens inside the room state's own call (``RoomState.enter_checked``), a
purchase through ``check``, all in the same buckets. This module names the buckets and words
the refusals.

The cap on registrations per address is a bucket too: ``registrations_per_address`` tokens
refilling over a day, taken only when a customer new to the room joins.
"""

from __future__ import annotations

import functools
import math

from flashsale.kernel.rate_limit import Bucket, RateLimiter
from flashsale.kernel.token_bucket import Limit
from flashsale.waiting_room.domain.errors import AddressCapReached, TooManyRequests
from flashsale.waiting_room.domain.room import RoomSettings

BURST_SECONDS = 2.0
DAY_SECONDS = 24 * 3600


@functools.lru_cache(maxsize=256)
def _per_second(rate: float) -> Limit:
    return Limit(rate, max(1.0, rate * BURST_SECONDS))


@functools.lru_cache(maxsize=256)
def _per_day(cap: int) -> Limit:
    return Limit(cap / DAY_SECONDS, cap)


class RateLimits:
    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    @staticmethod
    def buckets(customer_id: str, address: str, settings: RoomSettings) -> list[Bucket]:
        """A request's buckets within its sale: its customer's and its address's."""
        return [
            (f"c:{customer_id}", _per_second(settings.customer_requests_per_second)),
            (f"a:{address}", _per_second(settings.address_requests_per_second)),
        ]

    @staticmethod
    def cap(address: str, settings: RoomSettings) -> Bucket | None:
        """The address's registration-cap bucket within its sale; None when uncapped."""
        cap = settings.registrations_per_address
        return None if cap is None else (f"r:{address}", _per_day(cap))

    @staticmethod
    def too_many(wait_ms: int) -> TooManyRequests:
        return TooManyRequests(
            "too many requests from this customer or address; slow down",
            retry_after=max(1, math.ceil(wait_ms / 1000)),
        )

    @staticmethod
    def cap_reached(settings: RoomSettings) -> AddressCapReached:
        return AddressCapReached(
            f"this address has entered {settings.registrations_per_address} customers"
            " into the queue already"
        )

    async def check(
        self, sale_id: str, customer_id: str, address: str, settings: RoomSettings, now_ms: int
    ) -> None:
        """Raise TooManyRequests (with the seconds to wait) when either bucket is empty."""
        buckets = self.buckets(customer_id, address, settings)
        wait_ms = await self._limiter.acquire(sale_id, buckets, now_ms)
        if wait_ms:
            raise self.too_many(wait_ms)

    async def take_registration(
        self, sale_id: str, address: str, settings: RoomSettings, now_ms: int
    ) -> None:
        cap = self.cap(address, settings)
        if cap is not None and await self._limiter.acquire(sale_id, [cap], now_ms):
            raise self.cap_reached(settings)
