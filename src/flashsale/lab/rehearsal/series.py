"""The figures over time that the report's charts draw, on the clock of the first opening."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from flashsale.lab.crowd.outcomes import BUCKET_SECONDS, CrowdLog

# A chart of more points than this is wider than the page: the buckets grow instead.
MAX_POINTS = 300
LATENCY_BINS_PER_DECADE = 8


@dataclass(frozen=True, slots=True)
class SaleLog:
    """One sale's log and when it opened, in seconds after the first sale opened."""

    offset: float
    log: CrowdLog


def on_day_clock(logs: Sequence[CrowdLog]) -> list[SaleLog]:
    openings = [log.opened_at for log in logs if log.opened_at is not None]
    first = min(openings, default=0.0)
    return [SaleLog((log.opened_at or first) - first, log) for log in logs]


def units_sold(sales: Sequence[SaleLog]) -> list[tuple[float, int]]:
    """(seconds after the first opening, units acknowledged so far), one point per purchase."""
    moments = sorted(
        (sale.offset + r.after_opening, r.quantity) for sale in sales for r in sale.log.reservations
    )
    points = [(0.0, 0)]
    total = 0
    for moment, quantity in moments:
        total += quantity
        points.append((round(moment, 4), total))
    return thinned(points)


def thinned(points: list[tuple[float, int]]) -> list[tuple[float, int]]:
    if len(points) <= MAX_POINTS:
        return points
    step = math.ceil(len(points) / MAX_POINTS)
    return [*points[::step], points[-1]]


@dataclass(frozen=True, slots=True)
class Rates:
    bucket_seconds: float
    starts: list[float]  # seconds after the first opening
    per_second: dict[str, list[float]]  # "purchase 201", "payment 200"... -> rate per bucket


def requests_per_second(sales: Sequence[SaleLog]) -> Rates:
    counts: Counter[tuple[int, str]] = Counter()
    for sale in sales:
        shift = round(sale.offset / BUCKET_SECONDS)
        for (bucket, call, answer), count in sale.log.timeline.items():
            counts[(bucket + shift, f"{call} {answer}")] += count
    if not counts:
        return Rates(1.0, [], {})
    first = min(bucket for bucket, _ in counts)
    last = max(bucket for bucket, _ in counts)
    width = max(1, math.ceil((last - first + 1) / MAX_POINTS))  # in buckets
    size = (last - first) // width + 1
    per_second: dict[str, list[float]] = {}
    for (bucket, label), count in counts.items():
        series = per_second.setdefault(label, [0.0] * size)
        series[(bucket - first) // width] += count / (width * BUCKET_SECONDS)
    starts = [round((first + i * width) * BUCKET_SECONDS, 3) for i in range(size)]
    return Rates(round(width * BUCKET_SECONDS, 3), starts, dict(sorted(per_second.items())))


@dataclass(frozen=True, slots=True)
class Histogram:
    edges_ms: list[float]
    counts: dict[str, list[int]]  # per call


def latency_histogram(latencies: dict[str, list[float]]) -> Histogram:
    """Log-spaced bins from the fastest to the slowest answer, the same bins for every call."""
    values = [v for series in latencies.values() for v in series if v > 0]
    if not values:
        return Histogram([], {})
    low = math.floor(math.log10(min(values) * 1000) * LATENCY_BINS_PER_DECADE)
    high = math.ceil(math.log10(max(values) * 1000) * LATENCY_BINS_PER_DECADE) + 1
    edges = [10 ** (step / LATENCY_BINS_PER_DECADE) for step in range(low, high + 1)]
    counts: dict[str, list[int]] = {}
    for call, series in sorted(latencies.items()):
        row = [0] * (len(edges) - 1)
        for value in series:
            ms = max(value * 1000, edges[0])
            step = math.floor(math.log10(ms) * LATENCY_BINS_PER_DECADE) - low
            row[min(max(step, 0), len(row) - 1)] += 1
        counts[call] = row
    return Histogram([round(edge, 4) for edge in edges], counts)
