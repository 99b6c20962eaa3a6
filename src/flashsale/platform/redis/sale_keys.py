"""Where a sale lives in Redis: its buckets, their keys, and which bucket a customer calls home.

A sale's stock may be split into N buckets, each under its own hash tag so that a Redis Cluster
spreads them over its slots (and nodes). Bucket 0 uses the tag ``{<sale_id>}``, so with one
bucket every key of the sale is in one slot. Every bucket holds its own copy of the sale's terms
and the registrations and held counts of the customers whose home it is, so one script decides
state, registration, limit and stock in one slot:

    fs:{<tag>}:meta   hash: opens_at, closes_at (epoch µs), per_customer_limit, stock_total,
                      buckets, epoch (bumped when the bucket runs dry or is refilled),
                      generation (of the load that built it: the same in every bucket)
    fs:{<tag>}:stock  units still for sale in this bucket
    fs:{<tag>}:held   hash: customer -> units held (customers whose home is this bucket)
    fs:{<tag>}:reg    set of registered customers (whose home is this bucket)

with tag ``<sale_id>`` for bucket 0 and ``<sale_id>:b<i>`` for bucket i > 0. Beside them, in
bucket 0's slot, ``fs:{<sale_id>}:loading`` (the lock of a load) and ``fs:{<sale_id>}:generation``
(the last generation a load was given; it outlives the buckets, so a reload never reuses one,
and expires a week after the last load).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

# One channel for every sale: in a cluster a classic PUBLISH reaches the subscribers of every node.
STOCK_EVENTS_CHANNEL = "fs:stock-events"


@dataclass(frozen=True, slots=True)
class SaleKeys:
    meta: str
    stock: str
    held: str
    reg: str

    @classmethod
    def of(cls, sale_id: str, bucket: int = 0) -> SaleKeys:
        # Any id shares one tag across its keys; only an id starting with "}" would leave the
        # tag empty and scatter them over a cluster, and new_id() never makes one.
        tag = sale_id if bucket == 0 else f"{sale_id}:b{bucket}"
        prefix = f"fs:{{{tag}}}"
        return cls(f"{prefix}:meta", f"{prefix}:stock", f"{prefix}:held", f"{prefix}:reg")

    @property
    def all(self) -> list[str]:
        return [self.meta, self.stock, self.held, self.reg]

    def scratch(self, token: str) -> tuple[str, str]:
        """Keys to build a load under, in the bucket's slot so that RENAME may move them."""
        base = self.meta.removesuffix(":meta")
        return f"{base}:load:{token}:held", f"{base}:load:{token}:reg"

    @property
    def loading(self) -> str:
        """The lock a process holds while it (re)builds the sale's buckets (bucket 0 only)."""
        return self.meta.removesuffix(":meta") + ":loading"

    @property
    def generation(self) -> str:
        """The last generation given to a load of the sale (bucket 0 only)."""
        return self.meta.removesuffix(":meta") + ":generation"


def home_bucket(customer_id: str, buckets: int) -> int:
    """The bucket holding a customer's registration and held count; the same in every process.

    CRC-32, not hash(): Python salts str hashes per process.
    """
    if buckets == 1:
        return 0
    return zlib.crc32(customer_id.encode()) % buckets


def split_stock(units: int, buckets: int) -> list[int]:
    """Units per bucket, as even as can be.

    A deficit (a record holding more than the stock, which the gate never lets happen) stays in
    bucket 0; units given back to other buckets sell again before it is paid off.
    """
    if units <= 0:
        return [units] + [0] * (buckets - 1)
    base, extra = divmod(units, buckets)
    return [base + (1 if bucket < extra else 0) for bucket in range(buckets)]
