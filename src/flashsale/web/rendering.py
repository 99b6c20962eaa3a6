"""Jinja2 templates and the filters every page shares: money per locale, times in the market's
zone (``local``: the full moment; ``when``: "today at 4:43 PM IST"; ``clock``: "4:58 PM IST"),
and in UTC where no market applies (``utc``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from babel import UnknownLocaleError
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flashsale.catalog.market import Market
from flashsale.kernel.clock import Clock
from flashsale.kernel.money import Money
from flashsale.web.moments import clock_time, local_time, relative_time, time_until, zone_name
from flashsale.web.money import FALLBACK_LOCALE, format_money
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


def count(number: int, locale: str) -> str:
    """A count with the market's separators: 1,000 in the US, 1.000 in Greece, 1,00,000 in
    India."""
    try:
        shown: str = format_decimal(number, locale=locale)
    except (UnknownLocaleError, ValueError):
        shown = format_decimal(number, locale=FALLBACK_LOCALE)
    return shown


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
        self._env.filters.update(
            money=money,
            count=count,
            utc=shown_time,
            local=local_time,
            iso=iso,
            clock=clock_time,
            when=self._when,
            zone=zone_name,
            from_now=self._from_now,
        )

    def _when(self, moment: datetime | None, where: Market | str | None) -> str:
        """``today at 4:43 PM IST``: said from this server's now, in the market's zone."""
        return relative_time(moment, where, self._clock.now())

    def _from_now(self, moment: datetime | None) -> str:
        """``in 25 minutes``: from this server's now."""
        return time_until(moment, self._clock.now())

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
