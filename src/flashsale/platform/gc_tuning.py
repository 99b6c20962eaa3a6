"""Garbage-collector settings for a long-running process under load: a server, a crowd.

A purchase allocates a few hundred short-lived objects, so with CPython's default gen-0
threshold (700) the cyclic collector runs every few requests and keeps re-walking what the
process built at start-up (gates, caches, the ORM's compiled statements). Freezing the
start-up heap and collecting young objects less often took the purchase path from 2,416 to
3,813 purchases/s on the 2-core reference machine (one process, SQLite, wrk -c64; see
benchmarks/purchase_path.py). Memory stays bounded: reference counting still frees nearly
everything at once, and the collector still runs, every 50,000 allocations.

A rehearsal's client process is the same case: each request allocates a few hundred objects
beside a heap of 100,000 fans. With the defaults the collector took 11 of a client's 43 CPU
seconds at full size (gc.callbacks; 2,719 young, 247 middle and 22 full collections).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def collect_less_often() -> None:
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def freeze_heap() -> None:
    """Put everything alive now out of the collector's sight, just before a burst of load.

    No collection first (a full one over a big heap takes a while): what is garbage at this
    moment is kept, a few objects at most.
    """
    gc.freeze()


def tune_for_serving() -> None:
    """Call once the server has started, so that the start-up heap is what gets frozen."""
    gc.collect()
    gc.freeze()
    collect_less_often()
