"""The supervisor's page of the desk: a market's day in its own time zone, hour by hour (cases
opened, deflected by the record's answers, breaches), the backlog per queue and every agent's
load against their capacity now.

Supervisors (and admins) only: an agent is refused (403). Read through the desk's services:
``Stats.figures`` for the day, ``Stats.workload`` (one read of the market's live cases) for now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog
from flashsale.desk.service.desk import Desk
from flashsale.kernel import errors
from flashsale.kernel.clock import Clock
from flashsale.staff.model import StaffMember
from flashsale.staff.service import StaffDirectory
from flashsale.web.console_kit import ConsoleKit
from flashsale.web.desk_chart import stacked_columns
from flashsale.web.i18n import staff_words
from flashsale.web.kit import PageKit

SUPERVISORS = ("supervisor",)


class SupervisorPageServices(Protocol):
    catalog: Catalog
    clock: Clock
    staff: StaffDirectory

    @property
    def desk(self) -> Desk: ...


class SupervisorPage:
    def __init__(self, services: SupervisorPageServices, kit: PageKit) -> None:
        self._desk = services.desk
        self._catalog = services.catalog
        self._staff = services.staff
        self._clock = services.clock
        self._console = ConsoleKit(kit, {})

    async def _market(self, request: Request, operator: object) -> tuple[Market, list[str]]:
        """The market asked for, else the member's first, else the first with a queue."""
        served = sorted({q.market for q in await self._desk.setup.queues()})
        if isinstance(operator, StaffMember) and operator.markets:
            served = [m for m in served if operator.serves(m)] or sorted(operator.markets)
        asked = request.query_params.get("market", "").strip().upper()
        if asked and isinstance(operator, StaffMember) and not operator.serves(asked):
            raise errors.Forbidden(f"you do not serve the market {asked[:8]}")
        code = asked or (served[0] if served else "")
        if not code:
            raise errors.NotFound("the desk has no queue yet: add one (flashsale desk queue add)")
        return await self._catalog.market(code), served

    async def page(self, request: Request) -> Response:
        operator = await self._console.operator(request, *SUPERVISORS)
        if isinstance(operator, Response):
            return operator
        market, served = await self._market(request, operator)
        zone = ZoneInfo(market.timezone)
        now = self._clock.now()
        typed = request.query_params.get("date", "").strip()
        try:
            day = date.fromisoformat(typed) if typed else now.astimezone(zone).date()
        except ValueError:
            raise errors.InvalidInput(
                f"date: {typed[:20]!r} is not a day such as 2015-04-08"
            ) from None
        start = datetime.combine(day, time(0), zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        figures = await self._desk.stats.figures(start, end, market=market.code)
        workload = await self._desk.stats.workload(market.code)
        hours = [b.start.astimezone(zone).strftime("%H") for b in figures.buckets]
        # The series' names, in the legend and each column's title, in the reader's language.
        say = staff_words(request)
        per_hour = stacked_columns(
            hours,
            [
                (say.gettext("deflected"), [b.deflected for b in figures.buckets]),
                (say.gettext("to a person"), [b.opened - b.deflected for b in figures.buckets]),
            ],
        )
        breaches = stacked_columns(
            hours, [(say.gettext("breaches"), [b.breaches for b in figures.buckets])]
        )
        backlog = stacked_columns(
            hours, [(say.gettext("backlog"), [b.backlog for b in figures.buckets])]
        )
        names = {m.id: m.email for m in await self._staff.members()}
        context: dict[str, Any] = {
            "section": "supervisor",
            "market": market,
            "served": served,
            "day": day,
            "figures": figures,
            "per_hour": per_hour,
            "breaches": breaches,
            "backlog": backlog,
            "hours": hours,
            "workload": workload,
            "names": names,
        }
        return self._console.render(request, "desk/supervisor.html", context)


def routes(services: SupervisorPageServices, kit: PageKit) -> list[BaseRoute]:
    page = SupervisorPage(services, kit)
    return [kit.get("/desk/supervisor", page.page)]
