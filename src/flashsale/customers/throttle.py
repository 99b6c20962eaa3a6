"""Limits on log-in and sign-up attempts, per client address and per account (its email).

Every attempt takes a token from its address's and its account's attempt buckets before any
password is hashed: a flood from one address, or at one account from many, is refused with 429
without costing a hash. A failure also takes a token from the stricter failure buckets, which a
success never touches, so a household behind one address logs in freely while a guesser is
slowed to the failure rate.

The limiter only takes (from every bucket or none), it cannot look without taking, and an
attempt must not draw from a failure bucket before it is known to fail. So this process keeps
what it learnt of each failure bucket (the tokens its failures took, the waits it was told) and
refuses an address or account whose failure bucket that says is dry, before hashing. In one
process that is exact, but for attempts already in flight when the budget ran out. Where the
buckets are shared (Redis), failures elsewhere are unknown here until a failure finds its bucket
drier than thought and is refused: a process may check an attempt past the failure budget before
it learns so, while the attempt buckets stay an exact ceiling across processes.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from flashsale.customers.errors import TooManyAttempts
from flashsale.kernel.clock import Clock
from flashsale.kernel.rate_limit import Bucket, RateLimiter
from flashsale.kernel.token_bucket import Limit, refill, retry_after_ms

# The limiter's scope for every bucket here: in Redis, the hash tag of their keys.
SCOPE = "auth"


@dataclass(frozen=True, slots=True)
class AuthLimits:
    address_attempts: Limit  # every attempt from one client address
    account_attempts: Limit  # every attempt at one account, from anywhere
    address_failures: Limit  # failed attempts from one address
    account_failures: Limit  # failed attempts at one account


def per_minute(burst: int, refill_per_minute: float) -> Limit:
    return Limit(rate=refill_per_minute / 60.0, burst=burst)


class AuthThrottle:
    """``admit`` before an attempt's work, ``failed`` after a failed one; both raise
    TooManyAttempts. ``account`` is the normalised email, or None where there is none (the
    console's admin token, an email that is not one)."""

    def __init__(
        self,
        limiter: RateLimiter,
        clock: Clock,
        limits: AuthLimits,
        *,
        max_remembered: int = 100_000,
    ) -> None:
        self._limiter = limiter
        self._clock = clock
        self._limits = limits
        # Failure bucket -> its tokens and when (ms), as this process last knew them; a bucket
        # not here is taken to be full.
        self._known: dict[str, tuple[float, int]] = {}
        self._max_remembered = max_remembered

    async def admit(self, address: str, account: str | None = None) -> None:
        now_ms = self._now_ms()
        failures = self._failures(address, account)
        wait_ms = max(self._known_wait(key, limit, now_ms) for key, limit in failures)
        if not wait_ms:
            wait_ms = await self._limiter.acquire(SCOPE, self._attempts(address, account), now_ms)
        if wait_ms:
            raise _too_many(wait_ms)

    async def failed(self, address: str, account: str | None = None) -> None:
        """Count a failed attempt. Raises when a failure bucket had no token left for it: the
        attempt was past its budget, spent meanwhile by others in flight or in another process."""
        now_ms = self._now_ms()
        buckets = self._failures(address, account)
        # One call a bucket: the address's gives its token even when the account's is dry.
        waits = await asyncio.gather(
            *(self._limiter.acquire(SCOPE, [bucket], now_ms) for bucket in buckets)
        )
        for (key, limit), wait in zip(buckets, waits, strict=True):
            self._learn(key, limit, now_ms, wait)
        if any(waits):
            raise _too_many(max(waits))

    def _attempts(self, address: str, account: str | None) -> list[Bucket]:
        buckets = [(f"aa:{address}", self._limits.address_attempts)]
        if account:
            buckets.append((f"ae:{account}", self._limits.account_attempts))
        return buckets

    def _failures(self, address: str, account: str | None) -> list[Bucket]:
        buckets = [(f"fa:{address}", self._limits.address_failures)]
        if account:
            buckets.append((f"fe:{account}", self._limits.account_failures))
        return buckets

    def _known_wait(self, key: str, limit: Limit, now_ms: int) -> int:
        known = self._known.get(key)
        if known is None:
            return 0
        tokens = refill(*known, now_ms, limit)
        if tokens >= limit.burst:
            del self._known[key]  # full again: no different from unknown
        return 0 if tokens >= 1.0 else retry_after_ms(tokens, limit)

    def _learn(self, key: str, limit: Limit, now_ms: int, wait_ms: int) -> None:
        known = self._known.pop(key, None)
        if wait_ms:  # dry: as few tokens as make that wait
            tokens = 1.0 - wait_ms * limit.rate / 1000.0
        else:  # one taken from what it had
            tokens = (limit.burst if known is None else refill(*known, now_ms, limit)) - 1.0
        self._known[key] = (max(0.0, tokens), now_ms)
        if len(self._known) > self._max_remembered:
            # The oldest go, down to half at once; a bucket forgotten while dry is found dry
            # again by its next failure, which the shared bucket refuses.
            for _ in range(len(self._known) - self._max_remembered // 2):
                del self._known[next(iter(self._known))]

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)


def _too_many(wait_ms: int) -> TooManyAttempts:
    return TooManyAttempts(
        "too many log-in attempts from this address or for this account; try again later",
        retry_after=max(1, math.ceil(wait_ms / 1000)),
    )
