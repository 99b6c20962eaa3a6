"""The crowd as a whole: register, wait for the opening by the server's clock, fire, verify."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flashsale.crowd.behaviour import CrowdPlan, FanPlan, assign_plans
from flashsale.crowd.client import ShopClient, new_session
from flashsale.crowd.fan import Fan, FanJourney, SaleTerms, monotonic_opening
from flashsale.crowd.invariants import SeenOrder, Violation, check
from flashsale.crowd.load_probe import ClientLoad, LoadProbe
from flashsale.crowd.outcomes import CrowdLog
from flashsale.crowd.server_clock import ServerClock

# Beyond this many connections the server's accept queue and file descriptors become the test;
# the connector queues the rest of the crowd, which then reuses the kept-alive ones.
MAX_CONNECTIONS = 1000
NOT_VERIFIED = "not verified"
VERIFY_ATTEMPTS = 5
# A fan comes to life this long before its click: its own sleep then lands it on time.
LET_IN_AHEAD = 0.02


class CrowdError(RuntimeError):
    """The crowd could not start: the sale is unreadable."""


@dataclass(frozen=True, slots=True)
class CrowdReport:
    terms: SaleTerms
    log: CrowdLog
    seen: list[SeenOrder]
    violations: list[Violation]
    loads: list[ClientLoad] = field(default_factory=list)  # one per client process

    @property
    def ok(self) -> bool:
        return not self.violations


class Crowd:
    """One sale's crowd (or one client process's share of it), in this process's event loop."""

    def __init__(
        self,
        base_url: str,
        fans: Sequence[Fan],
        plan: CrowdPlan | None = None,
        *,
        connections: int | None = None,
        fan_plans: Sequence[FanPlan] | None = None,
        shares_process_with_server: bool = True,
    ) -> None:
        self._base_url = base_url
        self._fans = list(fans)
        self._plan = plan or CrowdPlan()
        self._fan_plans = (
            list(fan_plans) if fan_plans is not None else assign_plans(len(self._fans), self._plan)
        )
        if len(self._fan_plans) != len(self._fans):
            raise ValueError("one plan per fan")
        self._connections = connections or max(1, min(len(self._fans), MAX_CONNECTIONS))
        self._shared = shares_process_with_server
        self.log = CrowdLog(fans=len(self._fans))
        self.load: ClientLoad | None = None

    async def run(self, sale_id: str) -> CrowdReport:
        terms, seen = await self.observe(sale_id)
        loads = [self.load] if self.load is not None else []
        return judged(terms, self.log, seen, loads)

    async def observe(self, sale_id: str) -> tuple[SaleTerms, list[SeenOrder]]:
        """Shop and read every acknowledged order back; the verdict is the caller's."""
        async with new_session(self._connections) as session:
            client = ShopClient(session, self._base_url)
            terms, clock = await read_sale(client, sale_id)
            self.log.stock_total = terms.stock_total
            self.log.opened_at = monotonic_opening(clock, terms.opens_at)
            self.log.phase = "registering, then waiting for the opening"
            opening = asyncio.create_task(self._mark_opening(clock, terms))
            rng = random.Random(self._plan.seed)

            def journey(fan: Fan, fan_plan: FanPlan) -> FanJourney:
                return FanJourney(
                    fan,
                    fan_plan,
                    client=client,
                    terms=terms,
                    clock=clock,
                    plan=self._plan,
                    log=self.log,
                    rng=random.Random(rng.random()),
                )

            if self._plan.preregistered:  # the probe measures the sale, not the countdown
                await asyncio.sleep(max(0.0, clock.seconds_until(terms.opens_at) - LET_IN_AHEAD))
            async with LoadProbe(len(self._fans), shares_process_with_server=self._shared) as probe:
                await self._let_in(journey, clock, terms)
            self.load = probe.load
            await opening
            self.log.phase = "reading every acknowledged order back"
            seen = await self._verify(client)
        self.log.phase = "done"
        self.log.finished = True
        return terms, seen

    async def _let_in(
        self,
        journey: Callable[[Fan, FanPlan], FanJourney],
        clock: ServerClock,
        terms: SaleTerms,
    ) -> None:
        """Fans who register first are all let in now; the others only as their click nears.

        A fan waiting for its click costs a task, and 200,000 of them cost more memory than
        the sale: pre-registered fans come to life in arrival order, just before they click.
        """
        pairs = list(zip(self._fans, self._fan_plans, strict=True))
        if not self._plan.preregistered:
            await asyncio.gather(*(journey(fan, fan_plan).run() for fan, fan_plan in pairs))
            return
        pairs.sort(key=lambda pair: pair[1].arrives_after)
        tasks = []
        for fan, fan_plan in pairs:
            ahead = clock.seconds_until(terms.opens_at) + fan_plan.arrives_after - LET_IN_AHEAD
            if ahead > LET_IN_AHEAD:
                await asyncio.sleep(ahead)
            tasks.append(asyncio.create_task(journey(fan, fan_plan).run()))
        await asyncio.gather(*tasks)

    async def _mark_opening(self, clock: ServerClock, terms: SaleTerms) -> None:
        await asyncio.sleep(max(0.0, clock.seconds_until(terms.opens_at)))
        self.log.phase = "selling"

    async def _verify(self, client: ShopClient) -> list[SeenOrder]:
        tokens = {fan.customer_id: fan.token for fan in self._fans}
        slots = asyncio.Semaphore(self._connections)

        async def read_back(order_id: str, customer_id: str, quantity: int) -> SeenOrder:
            async with slots:
                for attempt in range(1, VERIFY_ATTEMPTS + 1):
                    reply = await client.order(tokens[customer_id], order_id)
                    if reply.status == 200:
                        status: str | None = str(reply.body.get("status"))
                        return SeenOrder(order_id, customer_id, quantity, status)
                    if reply.status == 404:
                        return SeenOrder(order_id, customer_id, quantity, None)
                    await asyncio.sleep(self._plan.retry_pause_seconds * attempt)
                return SeenOrder(order_id, customer_id, quantity, NOT_VERIFIED)

        return list(
            await asyncio.gather(
                *(read_back(r.order_id, r.customer_id, r.quantity) for r in self.log.reservations)
            )
        )


def judged(
    terms: SaleTerms, log: CrowdLog, seen: list[SeenOrder], loads: Sequence[ClientLoad] = ()
) -> CrowdReport:
    """The crowd's verdict on one sale, from everything its fans were told and read back."""
    violations = check(
        seen, stock_total=terms.stock_total, per_customer_limit=terms.per_customer_limit
    )
    violations += [
        Violation("not verified", f"order {o.order_id} could not be read back")
        for o in seen
        if o.status == NOT_VERIFIED
    ]
    return CrowdReport(terms, log, seen, violations, list(loads))


async def read_sale(client: ShopClient, sale_id: str) -> tuple[SaleTerms, ServerClock]:
    sent = datetime.now(UTC)
    reply = await client.sale(sale_id)
    received = datetime.now(UTC)
    if reply.status != 200:
        raise CrowdError(f"cannot read sale {sale_id}: {reply.status} {reply.problem}")
    body = reply.body
    terms = SaleTerms(
        sale_id=str(body["id"]),
        stock_total=int(body["stock_total"]),
        per_customer_limit=int(body["per_customer_limit"]),
        opens_at=datetime.fromisoformat(str(body["opens_at"])),
        closes_at=datetime.fromisoformat(str(body["closes_at"])),
        payment_window_seconds=float(body["payment_window_seconds"]),
    )
    clock = ServerClock.from_exchange(
        sent, received, datetime.fromisoformat(str(body["server_time"]))
    )
    return terms, clock
