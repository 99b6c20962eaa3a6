"""The report's three charts, drawn with matplotlib: as SVG for the HTML page, as PNG files.

matplotlib is imported when a chart is drawn, not with the package: the CLI starts faster and
the rest of the rehearsal does not need it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flashsale.lab.rehearsal.report import RehearsalReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Purchase answers get a line each; this many of the busiest at most, the rest summed.
MAX_ANSWER_LINES = 7
SIZE_INCHES = (8.0, 4.0)
PNG_DPI = 110


@dataclass(frozen=True, slots=True)
class Chart:
    name: str  # the PNG's file name without .png
    title: str
    svg: str


def _new_figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=SIZE_INCHES, layout="constrained")


def units_sold_figure(report: RehearsalReport) -> Figure:
    figure = _new_figure()
    axes = figure.add_subplot()
    points = report.series.units_sold
    axes.step(
        [t for t, _ in points],
        [n for _, n in points],
        where="post",
        label="acknowledged (units resold after expiry count again)",
    )
    axes.axhline(report.stock, color="tab:red", linestyle="--", label=f"stock {report.stock:,}")
    if report.sell_out_seconds is not None:
        axes.axvline(
            report.sell_out_seconds,
            color="tab:gray",
            linestyle=":",
            label=f"sold out after {report.sell_out_seconds:.2f} s",
        )
    axes.set_xlabel("seconds after the opening")
    axes.set_ylabel("units acknowledged (reserved)")
    axes.set_title("Units sold over time")
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    return figure


def requests_figure(report: RehearsalReport) -> Figure:
    figure = _new_figure()
    axes = figure.add_subplot()
    starts = report.series.rate_starts
    purchases = {
        label.removeprefix("purchase "): rates
        for label, rates in report.series.requests_per_second.items()
        if label.startswith("purchase ")
    }
    ranked = sorted(purchases.items(), key=lambda item: -sum(item[1]))
    for answer, rates in ranked[:MAX_ANSWER_LINES]:
        axes.plot(starts, rates, label=f"purchase {answer}")
    others = [rates for _, rates in ranked[MAX_ANSWER_LINES:]]
    if others:
        axes.plot(starts, [sum(column) for column in zip(*others, strict=True)], label="other")
    rest = [
        rates
        for label, rates in report.series.requests_per_second.items()
        if not label.startswith("purchase ")
    ]
    if rest:
        summed = [sum(column) for column in zip(*rest, strict=True)]
        axes.plot(starts, summed, color="black", linestyle="--", label="payments, reads")
    axes.set_xlabel(f"seconds after the opening ({report.series.rate_bucket_seconds:g} s bins)")
    axes.set_ylabel("answers per second")
    axes.set_title("Requests per second by outcome")
    if starts:
        axes.legend(loc="upper right", fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def latency_figure(report: RehearsalReport) -> Figure:
    figure = _new_figure()
    axes = figure.add_subplot()
    edges = report.series.latency_edges_ms
    for call, counts in report.series.latency_counts.items():
        p99 = report.latency[call].p99_ms if call in report.latency else None
        label = call if p99 is None else f"{call} (p99 {p99:.1f} ms)"
        axes.stairs(counts, edges, label=label)
    if edges:
        axes.set_xscale("log")
        axes.legend(loc="upper right")
    axes.set_xlabel("latency seen by the fans (ms, log scale)")
    axes.set_ylabel("answers")
    axes.set_title("Latency histogram")
    axes.grid(alpha=0.3)
    return figure


FIGURES: tuple[tuple[str, str, Callable[[RehearsalReport], Figure]], ...] = (
    ("units-sold", "Units sold over time", units_sold_figure),
    ("requests", "Requests per second by outcome", requests_figure),
    ("latency", "Latency histogram", latency_figure),
)


def draw(report: RehearsalReport, png_directory: Path | None = None) -> list[Chart]:
    """Every chart as SVG text; with ``png_directory``, also as ``<name>.png`` files there."""
    charts = []
    for name, title, make in FIGURES:
        figure = make(report)
        svg = io.StringIO()
        figure.savefig(svg, format="svg")
        if png_directory is not None:
            png_directory.mkdir(parents=True, exist_ok=True)
            figure.savefig(png_directory / f"{name}.png", format="png", dpi=PNG_DPI)
        charts.append(Chart(name, title, _without_prolog(svg.getvalue())))
    return charts


def _without_prolog(svg: str) -> str:
    """Inline SVG in HTML takes the <svg> element alone, without the XML declaration."""
    return svg[svg.index("<svg") :]
