"""Sign-up, log-in and log-out pages over the Accounts use cases.

Sign-up and log-in are limited like the API's (per client address and per account); a refusal
is an error page with the problem's status and its Retry-After.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.market import Market
from flashsale.customers.accounts import Accounts
from flashsale.customers.errors import TooManyAttempts
from flashsale.http.admission import client_address
from flashsale.http.problems import status_and_title
from flashsale.kernel import errors
from flashsale.web.forms import read_form
from flashsale.web.i18n import N_
from flashsale.web.kit import PageKit
from flashsale.web.rendering import Pages


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after a log-in or sign-up: a path on this site, never another site.

    Refused: anything with a scheme or a host (``https://x``, ``//x``), a backslash (which
    browsers read as a slash), and any control character or space (browsers drop tabs and
    newlines from a URL, so a slash, a tab and a slash would read as ``//``).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def try_again_later(
    pages: Pages,
    request: Request,
    refusal: TooManyAttempts | errors.Busy,
    back: str | None = None,
) -> Response:
    """The error page of a refusal that says when to come back (429, 503); ``back``: the form
    to come back to, which keeps where the shopper was going."""
    status, title = status_and_title(refusal)
    return pages.render(
        request,
        "error.html",
        {"title": title, "detail": refusal.detail, "back": back},
        status,
        {"Retry-After": str(refusal.retry_after)},
    )


def _with_next(page: str, form: dict[str, str]) -> str:
    back = safe_next(form.get("next"), "")
    return f"{page}?{urlencode({'next': back})}" if back else page


class AccountServices(Protocol):
    accounts: Accounts


class AccountPages:
    def __init__(self, services: AccountServices, kit: PageKit) -> None:
        self._accounts = services.accounts
        self._pages = kit.pages
        self._security = kit.security
        self._storefront = kit.storefront

    async def sign_up_form(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        form = form or {}
        # The way back: the query's on the first visit, the form's after an error.
        back = safe_next(form.get("next") or request.query_params.get("next"), "")
        came_from = await self._market_of(request, form.get("market") or "", back)
        chrome = await self._storefront.chrome(request, came_from)
        return self._pages.render(
            request,
            "store/signup.html",
            {
                **chrome,
                "message": message,
                "form": form,
                "next": back,
                "chosen_market": came_from.code if came_from else "",
            },
            status,
        )

    async def _market_of(self, request: Request, chosen: str, back: str) -> Market | None:
        """The market the shopper came from: the one chosen in the form sent back, else the one
        named (``?market=``), else the one of the page they are going back to (a market's shop,
        a sale); None when nothing says."""
        markets = {m.code: m for m in await self._storefront.markets()}
        for code in (chosen, request.query_params.get("market", "")):
            if code.upper() in markets:
                return markets[code.upper()]
        return await self._storefront.market_of_path(back) if back else None

    async def sign_up(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        email, password = form.get("email", ""), form.get("password", "")
        try:
            customer = await self._accounts.sign_up(
                email, password, form.get("market", ""), address=client_address(request)
            )
            # Not a guess: the password was set a moment ago, so no attempt is counted twice.
            token = await self._accounts.log_in(email, password)
        except (TooManyAttempts, errors.Busy) as exc:
            return try_again_later(self._pages, request, exc, _with_next("/signup", form))
        except (errors.InvalidInput, errors.Conflict) as exc:
            text = exc.detail
            if isinstance(exc, errors.Conflict):
                text = N_("An account with this email exists already: log in instead.")
            kept = {"email": email, "next": form.get("next", ""), "market": form.get("market", "")}
            return await self.sign_up_form(request, text, 422, kept)
        default = f"/shop/{customer.market_code}"
        response = RedirectResponse(safe_next(form.get("next"), default), 303)
        self._security.log_in(request, response, token)
        return response

    async def log_in_form(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        email: str = "",
        back: str | None = None,
    ) -> Response:
        chrome = await self._storefront.chrome(request)
        return self._pages.render(
            request,
            "store/login.html",
            {
                **chrome,
                "message": message,
                "email": email,
                "next": safe_next(back or request.query_params.get("next"), ""),
            },
            status,
        )

    async def log_in(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        email = form.get("email", "")
        try:
            token = await self._accounts.log_in(
                email, form.get("password", ""), address=client_address(request)
            )
        except (TooManyAttempts, errors.Busy) as exc:
            return try_again_later(self._pages, request, exc, _with_next("/login", form))
        except errors.AuthenticationFailed:
            return await self.log_in_form(
                request, N_("Wrong email or password."), 401, email, form.get("next")
            )
        response = RedirectResponse(safe_next(form.get("next"), "/"), 303)
        self._security.log_in(request, response, token)
        return response

    async def log_out(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        response = RedirectResponse("/", 303)
        await self._security.log_out(request, response)
        return response


def routes(services: AccountServices, kit: PageKit) -> list[BaseRoute]:
    accounts = AccountPages(services, kit)
    return [
        kit.get("/signup", accounts.sign_up_form),
        kit.post("/signup", accounts.sign_up),
        kit.get("/login", accounts.log_in_form),
        kit.post("/login", accounts.log_in),
        kit.post("/logout", accounts.log_out),
    ]
