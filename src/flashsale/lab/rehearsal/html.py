"""The report as one self-contained HTML page (charts inline as SVG) and PNGs beside it."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from flashsale.lab.rehearsal.charts import draw
from flashsale.lab.rehearsal.report import RehearsalReport, evidence


def render_html(report: RehearsalReport, png_directory: Path | None = None) -> str:
    environment = Environment(
        loader=PackageLoader("flashsale.lab.rehearsal", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    template = environment.get_template("report.html.j2")
    return template.render(
        report=report, charts=draw(report, png_directory), evidence=evidence(report)
    )


def write_html(report: RehearsalReport, path: Path) -> list[Path]:
    """Writes ``path`` and the charts as PNGs in ``<stem>-charts/`` beside it; returns them all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pngs = path.parent / f"{path.stem}-charts"
    path.write_text(render_html(report, pngs), encoding="utf-8")
    return [path, *sorted(pngs.glob("*.png"))]
