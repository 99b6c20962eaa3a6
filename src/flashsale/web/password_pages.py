"""A forgotten password: ask for a link by mail (through the notifier), then set a new password.

The page that takes the email answers the same whether or not an account has it. The link is
signed, expires and works once (customers/password_reset.py); setting the password ends every
other session of the account, as a change of password does, and logs this browser in anew.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.catalog.service import Catalog
from flashsale.config import Settings
from flashsale.customers.accounts import Accounts
from flashsale.customers.errors import TooManyAttempts
from flashsale.customers.password_reset import PasswordResets, ResetLinkInvalid
from flashsale.http.admission import client_address
from flashsale.kernel import errors
from flashsale.notifications.domain.message import Message
from flashsale.notifications.service.notifications import Notifications
from flashsale.web.accounts import safe_next, try_again_later
from flashsale.web.forms import read_form
from flashsale.web.kit import PageKit

RESET_TEMPLATE = "password_reset"


class PasswordServices(Protocol):
    accounts: Accounts
    catalog: Catalog
    notifications: Notifications
    password_resets: PasswordResets
    settings: Settings


class PasswordPages:
    def __init__(self, services: PasswordServices, kit: PageKit) -> None:
        self._resets = services.password_resets
        self._accounts = services.accounts
        self._catalog = services.catalog
        self._notifications = services.notifications
        self._public_url = services.settings.public_url.rstrip("/")
        self._pages = kit.pages
        self._security = kit.security
        self._storefront = kit.storefront

    async def forgot_form(
        self, request: Request, message: str | None = None, status: int = 200, back: str = ""
    ) -> Response:
        return self._pages.render(
            request,
            "store/password_forgot.html",
            {
                **await self._storefront.chrome(request),
                "message": message,
                "next": safe_next(back or request.query_params.get("next"), ""),
                "sent_to": None,
            },
            status,
        )

    async def forgot(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        email = form.get("email", "").strip()
        back = safe_next(form.get("next"), "")
        try:
            ticket = await self._resets.issue(email, address=client_address(request))
        except (TooManyAttempts, errors.Busy) as exc:
            return try_again_later(self._pages, request, exc, "/password/forgot")
        if ticket is not None:
            market = await self._catalog.find_market(ticket.customer.market_code)
            query = {"token": ticket.token, **({"next": back} if back else {})}
            link = f"{self._public_url}/password/reset?{urlencode(query)}"
            await self._notifications.send(
                [
                    Message(
                        to=ticket.customer.email,
                        template=RESET_TEMPLATE,
                        locale=market.locale if market else "en",
                        data={"reset_url": link, "expires_at": ticket.expires_at},
                    )
                ]
            )
        return self._pages.render(
            request,
            "store/password_forgot.html",
            {**await self._storefront.chrome(request), "next": back, "sent_to": email},
        )

    async def reset_form(
        self,
        request: Request,
        message: str | None = None,
        status: int = 200,
        token: str = "",
        back: str = "",
    ) -> Response:
        token = token or request.query_params.get("token", "")
        customer = None
        try:
            customer = await self._resets.customer_of(token)
        except ResetLinkInvalid as exc:
            message, status = exc.detail, 400 if status == 200 else status
        return self._pages.render(
            request,
            "store/password_reset.html",
            {
                **await self._storefront.chrome(request),
                "message": message,
                "token": token if customer else "",
                "email": customer.email if customer else "",
                "next": safe_next(back or request.query_params.get("next"), ""),
            },
            status,
            # The token is in this page's address: no other site learns it from a Referer.
            {"Referrer-Policy": "no-referrer"},
        )

    async def reset(self, request: Request) -> Response:
        form = await read_form(request)
        self._security.check_csrf(request, form)
        token, password = form.get("token", ""), form.get("password", "")
        try:
            customer = await self._resets.reset(token, password)
        except ResetLinkInvalid as exc:
            return await self.reset_form(request, exc.detail, 400, token, form.get("next", ""))
        except errors.InvalidInput as exc:  # a password too weak
            return await self.reset_form(request, exc.detail, 422, token, form.get("next", ""))
        # Every session ended with the old password; this browser starts a new one.
        session = await self._accounts.log_in(customer.email, password)
        response = RedirectResponse(safe_next(form.get("next"), "/"), 303)
        self._security.log_in(request, response, session)
        return response


def routes(services: PasswordServices, kit: PageKit) -> list[BaseRoute]:
    pages = PasswordPages(services, kit)
    return [
        kit.get("/password/forgot", pages.forgot_form),
        kit.post("/password/forgot", pages.forgot),
        kit.get("/password/reset", pages.reset_form),
        kit.post("/password/reset", pages.reset),
    ]
