"""Wrong pickup codes per store: 5 a minute, then 429 for every code at that store (right ones
too, else a guesser would go on trying, told only by the answer's status that the budget is
spent) until the bucket has a token again.

The failures take tokens from the kernel's token buckets (the room state's limiter: in process,
or in Redis shared by every API process), keyed by store. As ``customers/throttle.py`` explains,
the limiter only takes; this process remembers until when a store's bucket is dry, learnt when a
failure of its own was refused, and refuses attempts there before looking the code up.
"""

from __future__ import annotations

import math

from flashsale.customers.errors import TooManyAttempts
from flashsale.kernel.clock import Clock
from flashsale.kernel.rate_limit import RateLimiter
from flashsale.kernel.token_bucket import Limit

SCOPE = "pickup"  # the limiter's scope: in Redis, the hash tag of these keys
WRONG_CODES = Limit(rate=5 / 60.0, burst=5)  # five wrong codes per store a minute


class PickupThrottle:
    def __init__(self, limiter: RateLimiter, clock: Clock, limit: Limit = WRONG_CODES) -> None:
        self._limiter = limiter
        self._clock = clock
        self._limit = limit
        self._dry_until: dict[str, int] = {}  # store -> ms when its bucket has a token again

    def admit(self, store: str) -> None:
        """Raises TooManyAttempts while the store's wrong-code budget is known spent."""
        until = self._dry_until.get(store)
        if until is None:
            return
        wait_ms = until - self._now_ms()
        if wait_ms <= 0:
            del self._dry_until[store]
            return
        raise _too_many(wait_ms)

    async def failed(self, store: str) -> None:
        """Count a wrong code; raises TooManyAttempts when it was past the budget."""
        now_ms = self._now_ms()
        wait_ms = await self._limiter.acquire(SCOPE, [(f"pw:{store}", self._limit)], now_ms)
        if wait_ms:
            self._dry_until[store] = now_ms + wait_ms
            raise _too_many(wait_ms)

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)


def _too_many(wait_ms: int) -> TooManyAttempts:
    return TooManyAttempts(
        "too many wrong pickup codes at this store; try again later",
        retry_after=max(1, math.ceil(wait_ms / 1000)),
    )
