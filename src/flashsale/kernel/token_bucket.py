"""The token bucket: ``rate`` tokens a second refill a bucket of ``burst``; a request takes one.

Pure arithmetic over plain numbers, so that the in-memory limiter calls it and the Redis script
mirrors it line by line (the contract suite checks them alike).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    rate: float  # tokens per second
    burst: float  # bucket size: requests allowed at once after a quiet spell

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a limit needs rate > 0 and burst >= 1")


def refill(tokens: float, last_ms: int, now_ms: int, limit: Limit) -> float:
    if now_ms <= last_ms:
        return tokens
    return min(limit.burst, tokens + limit.rate * (now_ms - last_ms) / 1000.0)


def retry_after_ms(tokens: float, limit: Limit) -> int:
    """How long until one whole token is back (at least 1 ms)."""
    return max(1, int((1.0 - tokens) / limit.rate * 1000.0 + 0.999))
