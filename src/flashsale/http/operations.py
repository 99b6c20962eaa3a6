"""Liveness, the operator's metrics and what each problem type means."""

from __future__ import annotations

from typing import Protocol

import orjson
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from flashsale.http import problems
from flashsale.http.callers import Callers, CallerServices
from flashsale.http.endpoints import Endpoint
from flashsale.http.responses import JSON, json_response
from flashsale.http.schemas.operations import HealthOut
from flashsale.kernel.errors import NotFound
from flashsale.kernel.metrics import Metrics


class OperationsServices(CallerServices, Protocol):
    metrics: Metrics


class OperationsApi:
    def __init__(self, services: OperationsServices) -> None:
        self._metrics = services.metrics
        self._callers = Callers(services)

    async def health(self, request: Request) -> Response:
        return json_response(HealthOut(status="ok"))

    async def metrics(self, request: Request) -> Response:
        # Purchase rates, refusals and drift are the operator's: Prometheus scrapes with the
        # admin token (scrape_config: authorization: credentials).
        self._callers.require_admin(request)
        return Response(self._metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def problem_type(self, request: Request) -> Response:
        described = problems.catalogue().get(request.path_params["code"])
        if described is None:
            raise NotFound("no such problem type")
        return Response(orjson.dumps(described), media_type=JSON)


def endpoints(services: OperationsServices) -> list[Endpoint]:
    api = OperationsApi(services)
    return [
        Endpoint("GET", "/healthz", api.health, "Liveness", "operations", response=HealthOut),
        Endpoint(
            "GET",
            "/metrics",
            api.metrics,
            "Prometheus metrics (admin token)",
            "operations",
            media_type=CONTENT_TYPE_LATEST,
            auth="admin",
        ),
        Endpoint(
            "GET",
            "/problems/{code}",
            api.problem_type,
            "What a problem type means",
            "operations",
            problems=(404,),
        ),
    ]
