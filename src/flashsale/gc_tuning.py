"""Garbage-collector settings for a long-running server process.

A purchase allocates a few hundred short-lived objects, so with CPython's default gen-0
threshold (700) the cyclic collector runs every few requests and keeps re-walking what the
process built at start-up (gates, caches, the ORM's compiled statements). Freezing the
start-up heap and collecting young objects less often took the purchase path from 2,416 to
3,813 purchases/s on the 2-core reference machine (one process, SQLite, wrk -c64; see
benchmarks/purchase_path.py). Memory stays bounded: reference counting still frees nearly
everything at once, and the collector still runs, every 50,000 allocations.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def tune_for_serving() -> None:
    """Call once the server has started, so that the start-up heap is what gets frozen."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
