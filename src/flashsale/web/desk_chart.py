"""Stacked columns per hour for the supervisor's page, drawn on the server as SVG geometry.

The page's figures are a day of 24 hourly buckets, read once per visit: an inline SVG needs no
script and no chart library, prints, and says its numbers in each column's title (a screen
reader reads those, as the table under it). Presentation attributes only (x, y, fill): the
Content-Security-Policy allows no inline style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 180
AXIS = 18  # room under the columns for the hour labels
GAP = 0.2  # of a column's slot, left empty between columns


@dataclass(frozen=True, slots=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: int  # which series: the template picks its colour


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    x: float  # the label's centre
    title: str  # every series' value, for a tooltip and a screen reader
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class ColumnChart:
    width: int
    height: int
    baseline: float
    top: int  # the value the chart's full height stands for
    columns: tuple[Column, ...]
    names: tuple[str, ...]


def stacked_columns(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> ColumnChart:
    """One column per label, each series stacked on the one before, scaled to the tallest."""
    if any(len(values) != len(labels) for _, values in series):
        raise ValueError("every series has one value per label")
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1  # an empty day still draws its axis
    plot = height - AXIS
    slot = width / max(1, len(labels))
    columns = []
    for i, label in enumerate(labels):
        x = i * slot + slot * GAP / 2
        y = float(plot)
        segments = []
        for index, (_, values) in enumerate(series):
            tall = values[i] / top * plot
            if tall > 0:
                y -= tall
                segments.append(Segment(round(x, 1), round(y, 1), round(slot * (1 - GAP), 1),
                                        round(tall, 1), index))  # fmt: skip
        title = f"{label}: " + ", ".join(f"{name} {values[i]}" for name, values in series)
        columns.append(Column(label, round(i * slot + slot / 2, 1), title, tuple(segments)))
    return ColumnChart(width, height, float(plot), top, tuple(columns), tuple(n for n, _ in series))
