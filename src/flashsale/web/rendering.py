"""Jinja2 templates and the filters every page shares: money per locale, times in the market's
zone (``local``: the full moment; ``when``: "today at 4:43 PM IST"; ``clock``: "4:58 PM IST"),
and in UTC where no market applies (``utc``).

Templates are translated through Jinja2's i18n extension (``{% trans %}``, ``_()``), one
environment per language holding its catalog (i18n.py): a render never swaps the catalog of an
environment another render may be using."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from babel import UnknownLocaleError
from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flashsale.catalog.market import Market
from flashsale.kernel.clock import Clock
from flashsale.kernel.money import Money
from flashsale.web.i18n import (
    STAFF_PAGES,
    countdown_days,
    country_names,
    language_links,
    market_name,
    pick_locale,
    remember_choice,
    supported,
    translations,
)
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


def calendar_day(day: date, locale: str | None) -> str:
    """A day as the page's language writes it: 10 Dec 2026, 10 дек. 2026 г., 2026年12月10日."""
    try:
        shown: str = format_date(day, "medium", locale=locale or FALLBACK_LOCALE)
    except (UnknownLocaleError, ValueError):
        shown = format_date(day, "medium", locale=FALLBACK_LOCALE)
    return shown


def template_environment(locale: str | None) -> jinja2.Environment:
    """The templates with ``locale``'s catalog (None: untranslated) and the filters that need no
    clock."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Whitespace inside {% trans %} collapsed, as `pybabel extract` (babel.cfg) writes the msgid.
    env.policies["ext.i18n.trimmed"] = True
    catalog = translations(locale)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    # A message made in Python (marked with i18n.N_ so that extraction finds it) looked up as
    # it is: no %-formatting of text that may hold a literal %.
    env.filters["translate"] = catalog.gettext
    # For a page part that words itself in Python (the waiting room's place: room_panel.py).
    env.globals["i18n_catalog"] = catalog
    # A countdown's "2 days 3 h" for site.js, in the page's language (base.html).
    env.globals["day_words"] = countdown_days(locale)
    env.filters.update(
        money=money,
        count=count,
        day=functools.partial(calendar_day, locale=locale),
        utc=shown_time,
        local=local_time,
        iso=iso,
        clock=clock_time,
        # The zone named in the page's language ("भारत समय"), its time the market's.
        zone=functools.partial(zone_name, locale=locale),
        country_names=functools.partial(country_names, locale=locale),
        market_name=functools.partial(market_name, locale=locale),
    )
    return env


def page_values(request: Request, locale: str | None) -> dict[str, Any]:
    """What base.html and the storefront's header need to speak ``locale``: the page's
    ``lang`` and the language menu."""
    return {
        "page_lang": (locale or FALLBACK_LOCALE).replace("_", "-"),
        "languages": language_links(request, locale) if locale else [],
    }


def market_locale(context: Mapping[str, Any]) -> str | None:
    """The locale of the market a page is about: its ``market``, or its sale card's."""
    market = context.get("market")
    if not isinstance(market, Market):
        card = context.get("card")
        market = getattr(card, "market", None)
    return market.locale if isinstance(market, Market) else None


class Pages:
    def __init__(self, security: PageSecurity, clock: Clock) -> None:
        self._security = security
        self._clock = clock

    @functools.cache  # noqa: B019 - one Pages per app; its few environments live as long
    def _env(self, locale: str | None) -> jinja2.Environment:
        env = template_environment(locale)
        say = translations(locale).gettext
        env.filters.update(
            when=functools.partial(self._when, say=say),
            from_now=functools.partial(self._from_now, locale=locale),
        )
        return env

    def _when(
        self, moment: datetime | None, where: Market | str | None, say: Callable[[str], str]
    ) -> str:
        """``today at 4:43 PM IST``: said from this server's now, in the market's zone, its
        words in the page's language."""
        return relative_time(moment, where, self._clock.now(), say)

    def _from_now(self, moment: datetime | None, locale: str | None = None) -> str:
        """``in 25 minutes``: from this server's now; in another language, CLDR's words for
        it (``через 25 минут``)."""
        code = supported(locale)
        if moment is None or code is None or code.startswith("en_"):
            return time_until(moment, self._clock.now())
        shown: str = format_timedelta(moment - self._clock.now(), add_direction=True, locale=code)
        return shown

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        # A fragment may name the language of the page it lands in (page_locale). A staff page
        # speaks its reader's language, whatever market it is about.
        about = None if template.startswith(STAFF_PAGES) else market_locale(context)
        locale = supported(context.get("page_locale")) or pick_locale(request, about)
        values = {
            "request": request,
            "csrf_token": self._security.csrf_token(request),
            "server_now": iso(self._clock.now()),
            "message": None,
            **page_values(request, locale),
            **context,
        }
        html = self._env(locale).get_template(template).render(values)
        response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
        self._security.plant_csrf_seed(request, response)
        # One address answers in several languages: a cache must tell the browsers apart.
        response.headers.append("Vary", "Accept-Language, Cookie")
        remember_choice(request, response)
        return response
