"""Opaque ids: a readable prefix, then 48 bits of milliseconds and 80 random bits, in hex.

Clients must treat them as opaque. The time prefix is for the database: new rows land at the
right-hand edge of the primary-key B-tree instead of on a random page, which is what keeps a
burst of inserts cheap (the idea of UUIDv7, which Python 3.11's uuid module lacks).
"""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    stamp = time.time_ns() // 1_000_000
    return f"{prefix}_{stamp:012x}{secrets.randbits(80):020x}"
