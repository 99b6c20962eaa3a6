"""What the crowd saw, as it happened (the live display reads it) and summed up at the end."""

from __future__ import annotations

import enum
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

# The charts' and the live board's time resolution: requests are counted per tenth of a second.
BUCKET_SECONDS = 0.1
# The live board's latency percentiles are over this many of the latest answers.
RECENT_LATENCIES = 2000


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
    units_reserved: int = 0
    first_wave_units: int = 0
    # (call, answer) per tenth of a second after the opening: requests per second by outcome.
    timeline: Counter[tuple[int, str, str]] = field(default_factory=Counter)
    # One per fan's first click: (seconds after the opening it clicked, seconds after the
    # opening its purchase was acknowledged or None): whether the early got the units.
    first_clicks: list[tuple[float, float | None]] = field(default_factory=list)

    def elapsed(self, now: float | None = None) -> float:
        if self.opened_at is None:
            return 0.0
        return (time.monotonic() if now is None else now) - self.opened_at

    def took(self, kind: str, seconds: float, answer: str | None = None) -> None:
        """One call answered after ``seconds``; ``answer`` labels it on the timeline."""
        self.latencies.setdefault(kind, []).append(seconds)
        if answer is not None:
            self.timeline[(math.floor(self.elapsed() / BUCKET_SECONDS), kind, answer)] += 1

    def reserved(self, reservation: Reservation) -> None:
        self.reservations.append(reservation)
        self.units_reserved += reservation.quantity
        if not reservation.second_chance:
            self.first_wave_units += reservation.quantity
        if (
            not reservation.second_chance
            and self.stock_total
            and self.first_wave_units >= self.stock_total
            and (self.sold_out_after is None or reservation.after_opening < self.sold_out_after)
        ):
            # Answers are logged as they arrive, not in the order they were measured: the live
            # figure is the summary's (sold_out_time), not the moment the count passed the stock.
            self.sold_out_after = sold_out_time(self.reservations, self.stock_total)

    @property
    def reserved_units(self) -> int:
        return self.units_reserved

    def answers_per_second(self, now: float, kind: str = "purchase") -> Counter[str]:
        """Answers to ``kind`` in the last whole second before ``now``, by answer."""
        if self.opened_at is None:
            return Counter()
        last = math.floor((now - self.opened_at) / BUCKET_SECONDS)
        first = last - round(1 / BUCKET_SECONDS)
        found: Counter[str] = Counter()
        for (bucket, call, answer), count in list(self.timeline.items()):
            if call == kind and first <= bucket < last:
                found[answer] += count
        return found

    def purchases_per_second(self, now: float, window: float = 1.0) -> float:
        """Acknowledged purchases in the last ``window`` seconds, per second."""
        if self.opened_at is None:
            return 0.0
        since = now - self.opened_at - window
        return sum(1 for r in self.reservations if r.after_opening > since) / window

    def recent_latencies(self, kind: str = "purchase") -> list[float]:
        return self.latencies.get(kind, [])[-RECENT_LATENCIES:]


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


def sold_out_time(reservations: Iterable[Reservation], stock: int) -> float | None:
    """When the first wave's acknowledged units reached the stock, if they did."""
    taken = 0
    for reservation in sorted(
        (r for r in reservations if not r.second_chance), key=lambda r: r.after_opening
    ):
        taken += reservation.quantity
        if stock and taken >= stock:
            return reservation.after_opening
    return None


def merge_logs(logs: Sequence[CrowdLog]) -> CrowdLog:
    """The logs of one sale's crowd split over client processes, as if one crowd kept it.

    Every process measured time from the opening on the host's monotonic clock, which all
    processes share, so their seconds-after-the-opening add up as they are.
    """
    merged = CrowdLog(
        fans=sum(log.fans for log in logs),
        phase="done",
        stock_total=max((log.stock_total for log in logs), default=0),
        opened_at=min((log.opened_at for log in logs if log.opened_at is not None), default=None),
        finished=all(log.finished for log in logs),
    )
    for log in logs:
        merged.registered += log.registered
        merged.reservations.extend(log.reservations)
        merged.units_reserved += log.units_reserved
        merged.paid_units += log.paid_units
        merged.purchase_replies.update(log.purchase_replies)
        merged.outcomes.update(log.outcomes)
        merged.failures.update(log.failures)
        merged.timeline.update(log.timeline)
        merged.first_clicks.extend(log.first_clicks)
        for kind, values in log.latencies.items():
            merged.latencies.setdefault(kind, []).extend(values)
    merged.reservations.sort(key=lambda r: r.after_opening)
    merged.sold_out_after = sold_out_time(merged.reservations, merged.stock_total)
    return merged
