"""An address that leads nowhere: an HTML page for a person's browser, the problem JSON for a
program, told apart by what the request accepts (RFC 9110 content negotiation, roughly)."""

from __future__ import annotations

import functools

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flashsale.web.i18n import pick_locale, translations
from flashsale.web.rendering import page_values, template_environment

# In the browser's language (no market applies to an unknown address): i18n.pick_locale.
_env = functools.cache(template_environment)


def wants_html(request: Request) -> bool:
    """Whether the client asked for HTML over JSON: a browser's navigation names text/html;
    an API client names JSON, or nothing, or */*."""
    html = json = -1.0
    for part in request.headers.get("accept", "").split(","):
        kind, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = kind.strip().lower()
        if kind in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
        elif kind in ("application/json", "application/problem+json"):
            json = max(json, quality)
    return html > 0 and html >= json


def not_found_page(request: Request) -> HTMLResponse:
    locale = pick_locale(request)
    env: jinja2.Environment = _env(locale)
    _ = translations(locale).gettext
    html = env.get_template("error.html").render(
        {
            **page_values(request, locale),
            "request": request,
            "csrf_token": "",  # no form on it: nothing to sign, no cookie to plant
            "server_now": "",
            "message": None,
            "title": _("Page not found"),
            "detail": _(
                "There is no page at %(path)s. It may have moved, or the link was mistyped."
            )
            % {"path": request.url.path},
        }
    )
    return HTMLResponse(html, status_code=404, headers={"Vary": "Accept, Accept-Language, Cookie"})
