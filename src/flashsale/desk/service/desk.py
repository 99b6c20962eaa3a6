"""The desk as the shop holds it: its services, built once, and its background work (one
router per market with queues, the SLA sweeper), woken at once by this process's own case
writes and polled for those of the others."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from flashsale.catalog.service import Catalog
from flashsale.customers.accounts import Accounts
from flashsale.desk.domain.case import Case, Channel
from flashsale.desk.domain.staffing import language_of
from flashsale.desk.errors import AgentUnavailable
from flashsale.desk.ports import DeskRepository, Returns
from flashsale.desk.service.actions import Actions
from flashsale.desk.service.agent_work import AgentWork, actor_of
from flashsale.desk.service.cases import Cases, Opening
from flashsale.desk.service.inbound import CustomerByEmail, Inbound
from flashsale.desk.service.order_lookup import OrderLookup
from flashsale.desk.service.router import MarketRouter, route_together
from flashsale.desk.service.setup import DeskSetup
from flashsale.desk.service.sla_sweeper import SlaSweeper
from flashsale.desk.service.stats import Stats
from flashsale.desk.service.writes import CaseWrites
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.notifications.ports import Notifier
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.refunds import Refunds
from flashsale.platform.leadership import Leadership
from flashsale.staff.model import StaffMember
from flashsale.staff.service import StaffDirectory

DEFAULT_POLL_SECONDS = 0.5
log = logging.getLogger(__name__)


class Desk:
    def __init__(
        self,
        repository: DeskRepository,
        *,
        staff: StaffDirectory,
        catalog: Catalog,
        accounts: Accounts,
        customers: CustomerByEmail,
        orders: Orders,
        refunds: Refunds,
        order_events: OrderEvents,
        notifier: Notifier,
        clock: Clock,
        leadership: Leadership,
        public_url: str,
        inbound_secret: str | None = None,
        returns: Returns | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
    ) -> None:
        self._repo = repository
        self._clock = clock
        self._leadership = leadership
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self.setup = DeskSetup(repository, staff, catalog, clock)
        self.writes = CaseWrites(repository, self._wake.set)
        self.lookup = OrderLookup(orders, refunds, order_events, public_url=public_url)
        self.cases = Cases(
            repository, self.writes, self.setup, self.lookup, accounts, catalog, clock
        )
        self.work = AgentWork(
            repository,
            self.writes,
            self.setup,
            self.lookup,
            notifier,
            catalog,
            clock,
            public_url=public_url,
        )
        self.actions = Actions(
            self.writes, self.lookup, orders, refunds, notifier, accounts, catalog, clock, returns
        )
        self.inbound = Inbound(repository, self.cases, customers, catalog, inbound_secret)
        self.stats = Stats(repository, self.setup)
        self.sweeper = SlaSweeper(repository, clock, leadership)
        self._routers: dict[str, MarketRouter] = {}
        self._accounts = accounts
        self._customers = customers
        self._catalog = catalog

    async def log_contact(
        self,
        member: StaffMember | None,
        customer: str,
        topic: str,
        message: str,
        *,
        order_id: str | None = None,
        channel: str = "phone",
    ) -> Case:
        """An agent logs a call (or a mail, a chat) as a case of the customer's, assigned to
        themselves when they are an agent of the desk, routed otherwise."""
        found = (
            await self._customers.customer_by_email(customer.strip().lower())
            if "@" in customer
            else await self._accounts.customer(customer.strip())
        )
        if found is None:
            raise NotFound(f"no customer {customer[:60]!r}")
        try:
            chosen = Channel(channel)
        except ValueError:
            raise InvalidInput(f"{channel[:20]!r}: phone, email or web") from None
        market = await self._catalog.market(found.market_code)
        case = await self.cases.open(
            Opening(
                found.id,
                found.email,
                market.code,
                language_of(market.locale),
                topic,
                message,
                order_id,
                chosen,
                self_service=False,
            ),
            actor=actor_of(member),
        )
        if member is not None and await self.setup.agent(member.id) is not None:
            with contextlib.suppress(AgentUnavailable):  # offline: the case is routed
                return await self.work.assign(member, case.id, agent=member.id)
        return case

    def router(self, market: str) -> MarketRouter:
        found = self._routers.get(market)
        if found is None:
            found = MarketRouter(
                market,
                self._repo,
                self.setup,
                self._clock,
                self._leadership,
                written=self.writes.remember,
            )
            self._routers[market] = found
        return found

    async def route(self) -> int:
        """One step of every market's router (those with queues), committed together;
        assignments committed."""
        snapshot = await self.setup.snapshot()
        markets = sorted({q.market for q in snapshot.queues.values()})
        routers = [self.router(m) for m in markets]
        return await route_together(routers, self._repo, self.writes.kept)

    async def tick(self) -> int:
        """Route, then record breaches: what the background loop does each time."""
        done = await self.route()
        await self.sweeper.sweep()
        return done

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the record is intact; the next tick rebuilds what it must
                log.exception("the desk's background step failed")
            self._wake.clear()
            # Not wait_for: on Python 3.11 it loses a cancel that lands as the wait ends.
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=self._poll)
            finally:
                waiter.cancel()

    async def drain(self) -> None:
        await self.writes.drain()
