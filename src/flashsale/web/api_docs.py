"""``/docs``: the API's operations as a page a browser can open, read from ``/openapi.json``.

The page is drawn in the browser from the very document the API serves (static/js/api_docs.js),
so it lists what the server really answers; it needs no copy of the document on the server.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from flashsale.web.kit import PageKit


class DocsServices(Protocol):
    pass


def routes(services: DocsServices, kit: PageKit) -> list[BaseRoute]:
    async def docs(request: Request) -> Response:
        return kit.pages.render(request, "api_docs.html", {})

    return [kit.get("/docs", docs)]
