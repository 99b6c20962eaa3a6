"""The console's Reports page: sales over time by market (a stacked chart), records, targets
with their progress and forecast, growth, in any currency, and the sales table as CSV.

Every figure is read from reporting's facts (``flashsale.reporting``), never from orders; the
form's choices travel in the query string, so a view is a link. With htmx the form swaps the
page's body in place; without it, it is an ordinary GET.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from flashsale.kernel.errors import InvalidInput
from flashsale.reporting.domain.analysis import Growth, Records, value_of
from flashsale.reporting.domain.export import to_csv
from flashsale.reporting.domain.questions import Metric, SalesAnswer
from flashsale.reporting.domain.targets import Progress
from flashsale.reporting.service.reporting import Reporting
from flashsale.web.kit import PageKit

METRICS = (Metric.REVENUE, Metric.UNITS_SOLD, Metric.UNITS_SHIPPED, Metric.ORDERS)
GRAINS = ("day", "week", "month", "quarter", "year")
REHEARSALS = ("exclude", "include", "only")
COMMON_CURRENCIES = ("USD", "EUR", "CNY", "INR", "IDR", "RUB", "JPY", "GBP")
MAX_TARGETS_SHOWN = 12


class ReportPageServices(Protocol):
    @property
    def reporting(self) -> Reporting: ...


@dataclass(frozen=True, slots=True)
class View:
    """What the operator chose; every field as the query string gave it (checked by the
    reports, whose refusals the page shows)."""

    metric: str
    grain: str
    first: str
    last: str
    currency: str
    rehearsals: str

    @classmethod
    def of(cls, request: Request, default_currency: str, today: date) -> View:
        query = request.query_params
        metric = query.get("metric") or Metric.REVENUE.value
        return cls(
            metric=metric if metric in {m.value for m in METRICS} else Metric.REVENUE.value,
            grain=query.get("grain") or "month",
            first=query.get("from") or f"{today.year - 1}-01",
            last=query.get("to") or f"{today.year}-{today.month:02d}",
            currency=(query.get("currency") or default_currency).upper(),
            rehearsals=query.get("rehearsals") or "exclude",
        )

    def query(self) -> str:
        return urlencode(
            {
                "metric": self.metric,
                "grain": self.grain,
                "from": self.first,
                "to": self.last,
                "currency": self.currency,
                "rehearsals": self.rehearsals,
            }
        )


def stacked_chart(answer: SalesAnswer, metric: Metric) -> dict[str, Any]:
    """Periods (unix seconds at UTC midnight of each period's first day) and one series per
    market, each already added to the ones below it: uPlot draws the bands as given."""
    currency = answer.question.currency
    starts = sorted({row.period.first for row in answer.rows})
    at = {start: n for n, start in enumerate(starts)}
    by_market: dict[str, list[float]] = {}
    for row in answer.rows:
        values = by_market.setdefault(row.market or "", [0.0] * len(starts))
        values[at[row.period.first]] += float(value_of(row, metric, currency))
    markets = sorted(by_market, key=lambda m: -sum(by_market[m]))
    running = [0.0] * len(starts)
    stacked = []
    for market in markets:
        running = [a + b for a, b in zip(running, by_market[market], strict=True)]
        stacked.append({"market": market, "values": [round(v, 2) for v in running]})
    return {
        "times": [calendar.timegm(start.timetuple()) for start in starts],
        "labels": _names(answer, starts),
        "series": stacked,
        "unit": currency if metric is Metric.REVENUE else metric.value.replace("_", " "),
    }


def _names(answer: SalesAnswer, starts: list[date]) -> list[str]:
    names = {row.period.first: row.period.name for row in answer.rows}
    return [names[start] for start in starts]


@dataclass(slots=True)
class Figures:
    chart: dict[str, Any]
    answer: SalesAnswer
    records: Records | None
    growth: list[Growth]
    targets: list[Progress]


class ReportPages:
    def __init__(self, services: ReportPageServices, kit: PageKit) -> None:
        self._services = services
        self._pages = kit.pages
        self._security = kit.security

    def _guard(self, request: Request) -> Response | None:
        if self._security.is_admin(request):
            return None
        return RedirectResponse(f"/console/login?next={request.url.path}", 303)

    async def _view(self, request: Request) -> View:
        reports = self._services.reporting.reports
        return View.of(request, reports.reporting_currency, await reports.today())

    async def _figures(self, view: View) -> Figures:
        reporting = self._services.reporting
        reports = reporting.reports
        metric = Metric.parse(view.metric)
        answer = await reports.sales(
            view.grain, "market", view.first, view.last, view.currency, view.rehearsals
        )
        record_metric = metric if metric is not Metric.ORDERS else Metric.UNITS_SOLD
        records = await reports.records(
            record_metric.value, "month", currency=view.currency, rehearsals=view.rehearsals
        )
        growth = await reports.growth(
            view.metric,
            "quarter",
            first=view.first,
            last=view.last,
            currency=view.currency,
            rehearsals=view.rehearsals,
        )
        targets = [
            await reporting.targets.progress(t.id)
            for t in (await reporting.targets.all())[:MAX_TARGETS_SHOWN]
        ]
        return Figures(stacked_chart(answer, metric), answer, records, growth, targets)

    async def reports(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        view = await self._view(request)
        context: dict[str, Any] = {
            "section": "reports",
            "view": view,
            "metrics": [m.value for m in METRICS],
            "grains": GRAINS,
            "rehearsal_choices": REHEARSALS,
            "currencies": sorted({*COMMON_CURRENCIES, view.currency}),
            "csv_href": f"/console/reports/sales.csv?{view.query()}",
            "problem": None,
            "f": None,
        }
        try:
            context["f"] = await self._figures(view)
        except InvalidInput as refused:
            context["problem"] = str(refused)
        if request.headers.get("HX-Request") == "true":
            # htmx swaps only a 2xx in: the refusal is shown in place of the report.
            return self._pages.render(request, "console/reports_body.html", context)
        status = 422 if context["problem"] else 200
        return self._pages.render(request, "console/reports.html", context, status)

    async def sales_csv(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        view = await self._view(request)
        try:
            answer = await self._services.reporting.reports.sales(
                view.grain, "market", view.first, view.last, view.currency, view.rehearsals
            )
        except InvalidInput as refused:
            return Response(str(refused), 422, media_type="text/plain; charset=utf-8")
        name = f"sales-{view.grain}-{view.first}-{view.last}-{view.currency}.csv"
        return Response(
            to_csv(answer),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def routes(services: ReportPageServices, kit: PageKit) -> list[Any]:
    pages = ReportPages(services, kit)
    return [
        kit.get("/console/reports", pages.reports),
        kit.get("/console/reports/sales.csv", pages.sales_csv),
    ]
