"""Sales reports, exchange rates and targets over JSON, for the operator:

GET  /api/v1/admin/reports/sales?grain&by&from&to&currency&rehearsals&market&channel
GET  /api/v1/admin/reports/sales.csv              the same rows as CSV
GET  /api/v1/admin/reports/sales.parquet          the same rows as Parquet (pyarrow)
GET  /api/v1/admin/reports/records?metric&grain&market&channel
GET  /api/v1/admin/reports/growth?metric&grain&market&from&to
GET  /api/v1/admin/reports/sell-outs?limit
PUT  /api/v1/admin/reports/rehearsals/{sale_id}   keep a sale's orders apart from real sales
PUT  /api/v1/admin/fx-rates                       {rates: [{day, base, quote, rate}]}
PUT  /api/v1/admin/targets                        {period, metric, value, market?, channel?}
GET  /api/v1/admin/targets
GET  /api/v1/admin/targets/{target_id}/progress?seasonal
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.reporting import (
    FxRatesIn,
    FxRatesOut,
    GrowthOut,
    GrowthQuery,
    GrowthRowOut,
    ProgressOut,
    ProgressQuery,
    RecordsOut,
    RecordsQuery,
    RehearsalOut,
    SalesQuery,
    SalesReportOut,
    SelloutListOut,
    SelloutOut,
    SelloutsQuery,
    TargetIn,
    TargetListOut,
    TargetOut,
)
from flashsale.kernel.errors import InvalidInput
from flashsale.reporting.domain.export import to_csv
from flashsale.reporting.domain.fx import FxRate
from flashsale.reporting.domain.questions import SalesAnswer
from flashsale.reporting.service import parquet_export
from flashsale.reporting.service.rates import ExchangeRates
from flashsale.reporting.service.reporting import Reporting
from flashsale.reporting.service.reports import Reports
from flashsale.reporting.service.targets import Targets

REPORTS = f"{V1}/admin/reports"
TARGETS = f"{V1}/admin/targets"
ROLES = ("supervisor",)  # besides admin: the floor's lead reads the numbers


class ReportingServices(Protocol):
    @property
    def reporting(self) -> Reporting: ...


class ReportingApi:
    def __init__(self, services: ReportingServices) -> None:
        reporting = services.reporting
        self._reports: Reports = reporting.reports
        self._rates: ExchangeRates = reporting.exchange_rates
        self._targets: Targets = reporting.targets

    async def _answer(self, request: Request) -> SalesAnswer:
        q = SalesQuery.of(request.query_params)
        return await self._reports.sales(
            q.grain, q.by, q.from_, q.to, q.currency, q.rehearsals, q.market, q.channel
        )

    async def sales_report(self, request: Request) -> Response:
        return json_response(SalesReportOut.of(await self._answer(request)))

    async def sales_report_csv(self, request: Request) -> Response:
        answer = await self._answer(request)
        return Response(
            to_csv(answer),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="sales.csv"'},
        )

    async def sales_report_parquet(self, request: Request) -> Response:
        answer = await self._answer(request)
        return Response(
            parquet_export.to_parquet(answer),
            media_type=parquet_export.MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="sales.parquet"'},
        )

    async def sales_records(self, request: Request) -> Response:
        q = RecordsQuery.of(request.query_params)
        found = await self._reports.records(
            q.metric, q.grain, q.market, q.channel, q.currency, q.rehearsals
        )
        return json_response(RecordsOut.of(q.metric, q.grain, found))

    async def sales_growth(self, request: Request) -> Response:
        q = GrowthQuery.of(request.query_params)
        found = await self._reports.growth(
            q.metric, q.grain, q.market, q.from_, q.to, q.currency, q.rehearsals
        )
        market = q.market.upper() if q.market else None
        rows = [GrowthRowOut.of(g) for g in found]
        return json_response(GrowthOut(metric=q.metric, grain=q.grain, market=market, rows=rows))

    async def sell_outs(self, request: Request) -> Response:
        q = SelloutsQuery.of(request.query_params)
        found = await self._reports.sellouts(q.limit, q.rehearsals)
        return json_response(SelloutListOut(sellouts=[SelloutOut.of(p) for p in found]))

    async def mark_rehearsal(self, request: Request) -> Response:
        sale_id = request.path_params["sale_id"]
        marked = await self._reports.mark_rehearsal(sale_id)
        return json_response(RehearsalOut(sale_id=sale_id, newly_marked=marked))

    async def put_fx_rates(self, request: Request) -> Response:
        body = await read_json(request, FxRatesIn)
        rates = [
            FxRate(_day(r.day), r.base.upper(), r.quote.upper(), Decimal(r.rate), r.source)
            for r in body.rates
        ]
        return json_response(FxRatesOut(stored=await self._rates.put(rates)))

    async def put_target(self, request: Request) -> Response:
        body = await read_json(request, TargetIn)
        target = await self._targets.set(
            body.period, body.metric, body.value, body.market, body.channel
        )
        return json_response(TargetOut.of(target), 201)

    async def list_targets(self, request: Request) -> Response:
        found = await self._targets.all()
        return json_response(TargetListOut(targets=[TargetOut.of(t) for t in found]))

    async def target_progress(self, request: Request) -> Response:
        q = ProgressQuery.of(request.query_params)
        found = await self._targets.progress(request.path_params["target_id"], q.seasonal)
        return json_response(ProgressOut.of(found))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"day: {text[:20]!r} is no day of the calendar") from None


def endpoints(services: ReportingServices) -> list[Endpoint]:
    api = ReportingApi(services)

    admin = partial(Endpoint, tag="reports", auth="admin", roles=ROLES)

    return [
        admin(
            "GET",
            f"{REPORTS}/sales",
            api.sales_report,
            "Sales over time by period, market, channel and SKU, in a reporting currency",
            response=SalesReportOut,
            query=SalesQuery,
            problems=(422,),
        ),
        admin(
            "GET",
            f"{REPORTS}/sales.csv",
            api.sales_report_csv,
            "The sales report as CSV",
            query=SalesQuery,
            media_type="text/csv",
            problems=(422,),
        ),
        admin(
            "GET",
            f"{REPORTS}/sales.parquet",
            api.sales_report_parquet,
            "The sales report as Parquet (the server needs pyarrow: the reports extra)",
            query=SalesQuery,
            media_type=parquet_export.MEDIA_TYPE,
            problems=(422,),
        ),
        admin(
            "GET",
            f"{REPORTS}/records",
            api.sales_records,
            "The best period ever, the record it broke, and whether the current one beats it",
            response=RecordsOut,
            query=RecordsQuery,
            problems=(422,),
        ),
        admin(
            "GET",
            f"{REPORTS}/growth",
            api.sales_growth,
            "Each period beside the one before it and a year before (QoQ, YoY %)",
            response=GrowthOut,
            query=GrowthQuery,
            problems=(422,),
        ),
        admin(
            "GET",
            f"{REPORTS}/sell-outs",
            api.sell_outs,
            "The fastest sell-outs: from the opening to the last unit taken",
            response=SelloutListOut,
            query=SelloutsQuery,
            problems=(422,),
        ),
        admin(
            "PUT",
            f"{REPORTS}/rehearsals/{{sale_id}}",
            api.mark_rehearsal,
            "Mark a sale as a rehearsal: its orders are kept apart from the real numbers",
            response=RehearsalOut,
            problems=(404,),
        ),
        admin(
            "PUT",
            f"{V1}/admin/fx-rates",
            api.put_fx_rates,
            "Store dated exchange rates (replacing those of the same day and pair)",
            body=FxRatesIn,
            response=FxRatesOut,
            problems=(422,),
        ),
        admin(
            "PUT",
            TARGETS,
            api.put_target,
            "Set a target for a year, quarter or month",
            status=201,
            body=TargetIn,
            response=TargetOut,
            problems=(409, 422),
        ),
        admin("GET", TARGETS, api.list_targets, "Every target", response=TargetListOut),
        admin(
            "GET",
            f"{TARGETS}/{{target_id}}/progress",
            api.target_progress,
            "A target's progress: achieved, days left, daily rate needed, forecast",
            response=ProgressOut,
            query=ProgressQuery,
            problems=(404,),
        ),
    ]
