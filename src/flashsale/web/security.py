"""Who is looking at a page, and whether a form really came from one of our pages.

- A fan's web session is a HttpOnly, SameSite=Lax cookie holding the very token the API issues
  at log-in, so pages and API share one notion of a session (``Accounts``). Lax, so that a fan
  following a link to a sale from elsewhere arrives logged in.
- The console's cookie is a session token (``SessionTokens`` with ``Keys.console``) whose
  subject is a fingerprint of the admin token, never the token itself: changing the admin token
  logs every console out, and logging out ends that session on every API process (the
  ``SessionRegistry``), not only in the browser that held the cookie. It and the CSRF HMAC
  have keys of their own (``Keys.console``, ``Keys.csrf``), not the shop's secret key. It is
  SameSite=Strict: no request that starts on another site carries the operator's session, not
  even a link.
- A staff member's console cookie is the staff token the API would issue them, in the same
  SameSite=Strict cookie: it stops working when they log out or are disabled (``StaffDirectory``).
- Every cookie is Secure in production, whatever scheme the request arrived with: behind a
  proxy that ends TLS the shop itself sees plain HTTP. In development, Secure when the request
  was HTTPS: a developer's plain-HTTP port must still get its cookies back.
- CSRF: a random seed in its own HttpOnly cookie, and an HMAC of it in every form (hidden
  field) and htmx request (header). A page on another site can make the browser send the
  cookie, but cannot read a page of ours to learn the HMAC (OWASP's signed double submit).

All of it is checked inside the page handlers: the API's hot path pays for none of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from typing import Literal, Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from flashsale.config import Settings
from flashsale.customers.accounts import Accounts
from flashsale.customers.security import SessionTokens
from flashsale.customers.session_registry import SessionRegistry
from flashsale.customers.sessions import CONSOLE, CONSOLE_SESSION_TTL_SECONDS
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.kernel.keys import Keys
from flashsale.staff.model import STAFF_SESSION_TTL_SECONDS, SUPERUSER, Operator
from flashsale.staff.service import StaffDirectory

SESSION_COOKIE = "fs_session"
CONSOLE_COOKIE = "fs_console"
CSRF_COOKIE = "fs_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class CsrfRejected(Exception):
    """A state-changing request without a valid CSRF token: refused, nothing done."""


class SecurityServices(Protocol):
    accounts: Accounts
    sessions: SessionRegistry
    keys: Keys
    settings: Settings
    staff: StaffDirectory

    @property
    def admin_token(self) -> str: ...


class PageSecurity:
    def __init__(self, services: SecurityServices) -> None:
        console_key = services.keys.console.encode()
        self._always_secure = services.settings.environment == "production"
        self._accounts = services.accounts
        self._session_ttl = int(services.settings.session_ttl_seconds)
        self._csrf_key = services.keys.csrf.encode()
        self._sessions = services.sessions
        self._staff = services.staff
        self._console = SessionTokens(
            services.keys.console, CONSOLE_SESSION_TTL_SECONDS, salt="flashsale.console"
        )
        self._admin_fingerprint = hmac.new(
            console_key, services.admin_token.encode(), hashlib.sha256
        ).hexdigest()

    # -- customers ------------------------------------------------------------------------

    def customer_id(self, request: Request) -> str | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            return self._accounts.customer_id_of(token)
        except AuthenticationFailed:
            return None

    def customer_or_login(self, request: Request) -> str | Response:
        """The signed-in customer's id, or the way to the log-in page and back here."""
        customer_id = self.customer_id(request)
        if customer_id is None:
            return RedirectResponse(f"/login?next={request.url.path}", 303)
        return customer_id

    def log_in(self, request: Request, response: Response, token: str) -> None:
        self._set_cookie(request, response, SESSION_COOKIE, token, self._session_ttl)
        # A fresh CSRF seed with every new identity: a seed planted before log-in is worthless.
        self.new_csrf_seed(request, response)

    async def log_out(self, request: Request, response: Response) -> None:
        """End the session on the server, then forget its cookie."""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            with contextlib.suppress(AuthenticationFailed):  # ended or expired already
                await self._accounts.log_out(token)
        self._delete_cookie(request, response, SESSION_COOKIE)
        self.new_csrf_seed(request, response)

    # -- the console ----------------------------------------------------------------------

    def is_admin(self, request: Request) -> bool:
        value = request.cookies.get(CONSOLE_COOKIE)
        if not value:
            return False
        try:
            claim = self._console.claim(value)
        except AuthenticationFailed:
            return False
        live = not self._sessions.is_revoked(claim)
        return hmac.compare_digest(claim.subject, self._admin_fingerprint) and live

    async def console_operator(self, request: Request) -> Operator | None:
        """Who holds this console session: the admin token's superuser, a staff member still
        active whose session is live, or nobody."""
        if self.is_admin(request):
            return SUPERUSER
        value = request.cookies.get(CONSOLE_COOKIE)
        if not value:
            return None
        try:
            return await self._staff.member_of(value)
        except AuthenticationFailed:
            return None

    def staff_log_in(self, request: Request, response: Response, token: str) -> None:
        ttl = STAFF_SESSION_TTL_SECONDS
        self._set_cookie(request, response, CONSOLE_COOKIE, token, ttl, samesite="strict")
        self.new_csrf_seed(request, response)

    def admin_log_in(self, request: Request, response: Response) -> None:
        value = self._console.issue(self._admin_fingerprint)
        ttl = CONSOLE_SESSION_TTL_SECONDS
        self._set_cookie(request, response, CONSOLE_COOKIE, value, ttl, samesite="strict")
        self.new_csrf_seed(request, response)

    async def admin_log_out(self, request: Request, response: Response) -> None:
        value = request.cookies.get(CONSOLE_COOKIE)
        if value:
            try:
                claim = self._console.claim(value)
            except AuthenticationFailed:
                # A staff member's session; else ended already, or never ours.
                with contextlib.suppress(AuthenticationFailed):
                    await self._staff.log_out(value)
            else:
                ttl = CONSOLE_SESSION_TTL_SECONDS
                await self._sessions.end(claim, ttl, recorded_as=CONSOLE)
        self._delete_cookie(request, response, CONSOLE_COOKIE, samesite="strict")

    # -- CSRF -----------------------------------------------------------------------------

    def csrf_token(self, request: Request) -> str:
        """The token for forms on this page; the seed is planted by ``plant_csrf_seed``."""
        seed = getattr(request.state, "csrf_seed", None) or request.cookies.get(CSRF_COOKIE)
        if not seed:
            seed = secrets.token_urlsafe(24)
            request.state.new_csrf_seed = seed
        request.state.csrf_seed = seed
        return self._sign(seed)

    def plant_csrf_seed(self, request: Request, response: Response) -> None:
        """Set the seed cookie if this page made a new one."""
        seed = getattr(request.state, "new_csrf_seed", None)
        if seed:
            self._set_cookie(request, response, CSRF_COOKIE, seed, self._session_ttl)

    def new_csrf_seed(self, request: Request, response: Response) -> None:
        seed = secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
        request.state.new_csrf_seed = None
        self._set_cookie(request, response, CSRF_COOKIE, seed, self._session_ttl)

    def check_csrf(self, request: Request, form: dict[str, str]) -> None:
        seed = request.cookies.get(CSRF_COOKIE)
        given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
        if not seed or not hmac.compare_digest(given.encode(), self._sign(seed).encode()):
            raise CsrfRejected("the form's security token is missing or stale")

    def _sign(self, seed: str) -> str:
        return hmac.new(self._csrf_key, seed.encode(), hashlib.sha256).hexdigest()

    # -- cookies --------------------------------------------------------------------------

    def _secure(self, request: Request) -> bool:
        return self._always_secure or request.url.scheme == "https"

    def _set_cookie(
        self,
        request: Request,
        response: Response,
        name: str,
        value: str,
        ttl: int,
        samesite: Literal["lax", "strict"] = "lax",
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=ttl,
            path="/",
            httponly=True,
            samesite=samesite,
            secure=self._secure(request),
        )

    def _delete_cookie(
        self,
        request: Request,
        response: Response,
        name: str,
        samesite: Literal["lax", "strict"] = "lax",
    ) -> None:
        response.delete_cookie(
            name, path="/", httponly=True, samesite=samesite, secure=self._secure(request)
        )
