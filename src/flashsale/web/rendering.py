"""Jinja2 templates and the filters every page shares: money per locale, times in the market's
zone (``local``), and in UTC where no market applies (``utc``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flashsale.kernel.clock import Clock
from flashsale.kernel.money import Money
from flashsale.web.moments import local_time
from flashsale.web.money import format_money
from flashsale.web.security import PageSecurity

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def shown_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def money(amount: Money, locale: str) -> str:
    return format_money(amount, locale)


class Pages:
    def __init__(self, security: PageSecurity, clock: Clock) -> None:
        self._security = security
        self._clock = clock
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(default=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(money=money, utc=shown_time, local=local_time, iso=iso)

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        values = {
            "request": request,
            "csrf_token": self._security.csrf_token(request),
            "server_now": iso(self._clock.now()),
            "message": None,
            **context,
        }
        html = self._env.get_template(template).render(values)
        response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
        self._security.plant_csrf_seed(request, response)
        return response
