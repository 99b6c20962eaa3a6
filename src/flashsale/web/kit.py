"""What every page module shares: the renderer, the page security, the storefront's parts, and
routes whose errors become an HTML page.

Errors on a page become an HTML page with the problem's status, not problem+json: a person,
not a program, is reading.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flashsale.catalog.market import Market
from flashsale.http.problems import status_and_title
from flashsale.kernel.errors import DomainError
from flashsale.web.i18n import N_
from flashsale.web.rendering import Pages
from flashsale.web.security import CsrfRejected, PageSecurity
from flashsale.web.storefront import Storefront

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class PageKit:
    pages: Pages
    security: PageSecurity
    storefront: Storefront  # the header of every storefront page, sale cards, the sale page

    def get(self, path: str, handler: Callable[..., Awaitable[Response]]) -> Route:
        return Route(path, self._page(handler), methods=["GET"])

    def post(self, path: str, handler: Callable[..., Awaitable[Response]]) -> Route:
        return Route(path, self._page(handler), methods=["POST"])

    def _page(self, handler: Callable[..., Awaitable[Response]]) -> Handler:
        pages = self.pages
        storefront = self.storefront

        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except CsrfRejected:
                # In the language of the market the page was about (a sale's, a shop's).
                market = await _market_of(storefront, request)
                return pages.render(
                    request,
                    "error.html",
                    {
                        "title": N_("This form has expired"),
                        "detail": N_("Reload the page and send it again."),
                        "market": market,
                    },
                    403,
                )
            except DomainError as exc:
                status, title = status_and_title(exc)
                market = await _market_of(storefront, request)
                context = {"title": title, "detail": exc.detail, "market": market}
                return pages.render(request, "error.html", context, status)

        return run


async def _market_of(storefront: Storefront, request: Request) -> Market | None:
    """The market of the page that failed, for its language; None when the record cannot say
    (it may be what failed)."""
    try:
        return await storefront.market_of_path(request.url.path)
    except DomainError:
        return None
