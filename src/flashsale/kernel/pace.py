"""How fast the back office goes: all out, except while a sale sells fast.

Inside ``flashsale serve`` the back office (webhooks, order mail, reporting, the allocators,
cash on delivery) shares the process, its event loop and the SQLite writer with the purchase
path. A webhook delivery, for one, costs the process more CPU than the purchase that caused it,
so keeping up with a flash sale's events would take the sale's own capacity. While purchases
reach the process faster than ``BUSY_RATE`` each of them goes at a trickle or stops between
pages instead, and catches up once the burst is over: late by the length of the burst,
purchases not slowed. A steady trickle of purchases below the rate costs little.

The shop shares one ``Pace`` among its back office (webhooks, order mail, reporting, the
allocators). A server's counts the purchases reaching it; a ``flashsale worker`` process sells
nothing and counts the purchases the order event feed shows instead, from every server of the
fleet (kernel/purchase_sampler.py), against the same rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BUSY_RATE = 200.0  # purchases a second: above this a flash sale is selling
QUIET_SECONDS = 2.0  # below the rate for this long: all out again
SAMPLE_SECONDS = 0.25  # the rate is measured over at least this long


class Pace:
    def __init__(
        self,
        activity: Callable[[], float] | None = None,
        *,
        busy_rate: float = BUSY_RATE,
        quiet_seconds: float = QUIET_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``activity``: a count that grows with every purchase (None: never busy)."""
        self._activity = activity
        self._busy_rate = busy_rate
        self._quiet = quiet_seconds
        self._monotonic = monotonic
        self._sampled_at = monotonic()
        self._sampled = activity() if activity is not None else 0.0
        self._hot_at = float("-inf")

    def busy(self) -> bool:
        """Whether purchases came faster than the busy rate within the last quiet spell; any
        loop of the back office may ask, as often as it likes."""
        if self._activity is None:
            return False
        now = self._monotonic()
        if now - self._sampled_at >= SAMPLE_SECONDS:
            count = self._activity()
            if (count - self._sampled) / (now - self._sampled_at) >= self._busy_rate:
                self._hot_at = now
            self._sampled_at, self._sampled = now, count
        return now - self._hot_at < self._quiet
