"""An address that leads nowhere: an HTML page for a person's browser, the problem JSON for a
program, told apart by what the request accepts (RFC 9110 content negotiation, roughly)."""

from __future__ import annotations

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from flashsale.web.rendering import TEMPLATES

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


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
    html = _ENV.get_template("error.html").render(
        {
            "request": request,
            "csrf_token": "",  # no form on it: nothing to sign, no cookie to plant
            "server_now": "",
            "message": None,
            "title": "Page not found",
            "detail": f"There is no page at {request.url.path}. It may have moved, or the link"
            " was mistyped.",
        }
    )
    return HTMLResponse(html, status_code=404)
