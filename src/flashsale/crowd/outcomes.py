"""What the crowd saw, as it happened (the live display reads it) and summed up at the end."""

from __future__ import annotations

import enum
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


class Outcome(enum.StrEnum):
    PAID = "paid"
    ABANDONED = "abandoned"  # reserved, then walked away: the units go back on sale
    SOLD_OUT = "sold out"
    LIMIT_REACHED = "limit reached"
    CLOSED = "sale closed"
    NOT_REGISTERED = "not registered"
    PAYMENT_FAILED = "payment failed"
    FAILED = "failed"  # an answer the crowd did not expect; see CrowdLog.failures


@dataclass(frozen=True, slots=True)
class Reservation:
    """One acknowledged purchase (a 201), as the fan received it."""

    order_id: str
    customer_id: str
    quantity: int
    expires_at: datetime
    after_opening: float  # seconds, by this host's monotonic clock
    second_chance: bool = False


@dataclass(slots=True)
class CrowdLog:
    """Appended to by the fans; read by the display while they shop."""

    fans: int
    phase: str = "reading the sale"
    stock_total: int = 0
    registered: int = 0
    # The opening on time.monotonic()'s scale, known before it happens: elapsed() counts down
    # to it (negative) and then up from it.
    opened_at: float | None = None
    reservations: list[Reservation] = field(default_factory=list)
    paid_units: int = 0
    purchase_replies: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    sold_out_after: float | None = None
    finished: bool = False

    def elapsed(self, now: float | None = None) -> float:
        if self.opened_at is None:
            return 0.0
        return (time.monotonic() if now is None else now) - self.opened_at

    def took(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def reserved(self, reservation: Reservation) -> None:
        self.reservations.append(reservation)
        first_wave = sum(r.quantity for r in self.reservations if not r.second_chance)
        if self.sold_out_after is None and self.stock_total and first_wave >= self.stock_total:
            self.sold_out_after = reservation.after_opening

    @property
    def reserved_units(self) -> int:
        return sum(r.quantity for r in self.reservations)

    def purchases_per_second(self, now: float, window: float = 1.0) -> float:
        """Acknowledged purchases in the last ``window`` seconds, per second."""
        if self.opened_at is None:
            return 0.0
        since = now - self.opened_at - window
        return sum(1 for r in self.reservations if r.after_opening > since) / window


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class LatencySummary:
    kind: str
    count: int
    p50: float
    p95: float
    p99: float
    worst: float


def summarize_latencies(latencies: dict[str, list[float]]) -> list[LatencySummary]:
    summaries = []
    for kind, values in sorted(latencies.items()):
        if values:
            summaries.append(
                LatencySummary(
                    kind=kind,
                    count=len(values),
                    p50=percentile(values, 0.50) or 0.0,
                    p95=percentile(values, 0.95) or 0.0,
                    p99=percentile(values, 0.99) or 0.0,
                    worst=max(values),
                )
            )
    return summaries
