"""The console's Mail pages: the outbox, newest first, and one mail as its customer reads it.

Behind the console's log-in like every console page. The HTML part is shown as its source, not
rendered: the console's pages run no markup but their own.
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from flashsale.notifications.domain.outbox import MailStatus
from flashsale.notifications.service.notifications import Notifications
from flashsale.web.kit import PageKit

PAGE_SIZE = 50


class MailPageServices(Protocol):
    notifications: Notifications


class MailPages:
    def __init__(self, services: MailPageServices, kit: PageKit) -> None:
        self._notifications = services.notifications
        self._pages = kit.pages
        self._security = kit.security

    def _guard(self, request: Request) -> Response | None:
        if self._security.is_admin(request):
            return None
        return RedirectResponse(f"/console/login?next={request.url.path}", 303)

    async def mails(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        state = request.query_params.get("status") or ""
        status = MailStatus(state) if state in {s.value for s in MailStatus} else None
        before = request.query_params.get("before") or None
        mails = await self._notifications.recent(PAGE_SIZE, before, status)
        return self._pages.render(
            request,
            "console/mails.html",
            {
                "section": "mail",
                "mails": mails,
                "status": status.value if status else "",
                "statuses": [s.value for s in MailStatus],
                "before": before,
                "older": mails[-1].id if len(mails) == PAGE_SIZE else None,
                "delivers": self._notifications.delivers,
            },
        )

    async def mail(self, request: Request) -> Response:
        if (denied := self._guard(request)) is not None:
            return denied
        mail = await self._notifications.find(request.path_params["mail_id"])
        return self._pages.render(request, "console/mail.html", {"section": "mail", "m": mail})


def routes(services: MailPageServices, kit: PageKit) -> list[BaseRoute]:
    pages = MailPages(services, kit)
    return [
        kit.get("/console/mail", pages.mails),
        kit.get("/console/mail/{mail_id}", pages.mail),
    ]
