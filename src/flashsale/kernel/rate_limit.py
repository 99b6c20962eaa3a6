"""The rate limiter's port: token buckets by key, taken all at once or not at all.

The waiting room's adapters implement it (in process, or in Redis shared by every API process);
the waiting room limits its joins and purchases with it, the customers their log-ins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeAlias

from flashsale.kernel.token_bucket import Limit

# A token bucket within its scope (a sale, or "auth"): its key ("c:<customer>", ...), its limit.
Bucket: TypeAlias = tuple[str, Limit]


class RateLimiter(Protocol):
    """Token buckets of each scope, by key. Where the limiter is shared by every API process
    (Redis), a scope's buckets live together: in a cluster, the scope is the keys' hash tag (a
    sale's buckets sit beside its room)."""

    async def acquire(self, sale_id: str, buckets: Sequence[Bucket], now_ms: int) -> int:
        """Take one token from each of the scope's buckets, or none if any is empty.

        ``sale_id`` is the scope. Returns 0 when taken, else the milliseconds until every bucket
        has a token again.
        """
        ...

    async def close(self) -> None: ...
