"""The crowd as a whole: register, wait for the opening by the server's clock, fire, verify."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flashsale.lab.crowd.behaviour import CrowdPlan, FanPlan, assign_plans
from flashsale.lab.crowd.client import ShopClient, new_session
from flashsale.lab.crowd.fan import Fan, FanJourney, SaleTerms, monotonic_opening
from flashsale.lab.crowd.invariants import SeenOrder, Violation, check
from flashsale.lab.crowd.load_probe import ClientLoad, LoadProbe
from flashsale.lab.crowd.outcomes import CrowdLog, Outcome
from flashsale.lab.crowd.schedule import ClickSchedule
from flashsale.lab.crowd.server_clock import Exchange, ServerClock
from flashsale.platform.gc_tuning import collect_less_often, freeze_heap

# Keep-alive connections (and click workers) per client process. A fan holds one only for
# the length of a request; 256 answered loopback requests keep a one-process server busy, and
# with more the client spends its time queueing on the connector (measured: with 1,000 and a
# task per fan, 20,000 fans ran at 1,300 requests/s, loop stalls up to 6.5 s).
MAX_CONNECTIONS = 256
# The winners' payments have keep-alive connections of their own (see FanJourney). With 64
# a process, its ~5,000 winners queued on them for a connection (payment p99 10.8-13.6 s at
# full size) and a few paid after their 15 s window; with 128, p99 6.9-8.3 s.
PAYMENT_CONNECTIONS = 128
NOT_VERIFIED = "not verified"
VERIFY_ATTEMPTS = 5
# The probe starts this long before the opening: it measures the sale, not the countdown.
LET_IN_AHEAD = 0.02
# Reads of the sale a client makes to learn the server's clock (see ServerClock.from_quickest).
CLOCK_EXCHANGES = 5


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
        async with (
            new_session(self._connections) as session,
            new_session(PAYMENT_CONNECTIONS) as payments,
        ):
            client = ShopClient(session, self._base_url)
            payer = ShopClient(payments, self._base_url)
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
                    payer=payer,
                    terms=terms,
                    clock=clock,
                    plan=self._plan,
                    log=self.log,
                    rng=rng,  # one draw each, only for the return time: no state per fan
                )

            journeys = [
                (fan_plan.arrives_after, journey(fan, fan_plan))
                for fan, fan_plan in zip(self._fans, self._fan_plans, strict=True)
            ]
            if not self._shared:  # a process of its own (see gc_tuning)
                freeze_heap()  # the fans and their journeys live to the end
                collect_less_often()
            if self._plan.preregistered:
                self.log.registered += len(journeys)
            else:  # fans register before the opening, as on a real record day
                await self._register(j for _, j in journeys)
            # The probe measures the sale, not the countdown.
            await asyncio.sleep(max(0.0, clock.seconds_until(terms.opens_at) - LET_IN_AHEAD))
            async with LoadProbe(len(self._fans), shares_process_with_server=self._shared) as probe:
                await self._let_in(journeys, clock, terms, probe)
            self.load = probe.load
            await opening
            self.log.phase = "reading every acknowledged order back"
            seen = await self._verify(client)
        self.log.phase = "done"
        self.log.finished = True
        return terms, seen

    async def _let_in(
        self,
        journeys: list[tuple[float, FanJourney]],
        clock: ServerClock,
        terms: SaleTerms,
        probe: LoadProbe,
    ) -> None:
        """The fans' clicks, in arrival order, through a fixed pool of workers.

        One worker per keep-alive connection: a task per fan (200,000 of them, 16,000 ready in
        the same second) made the event loop stall for seconds creating tasks and queueing
        requests on the connector, so the client, not the shop, set the pace. A fan's later
        steps are a task of their own only when it won (paying: at most the stock) and a
        scheduled second click when it comes back after the payment window.
        """
        opened_at = monotonic_opening(clock, terms.opens_at)
        schedule: ClickSchedule[FanJourney] = ClickSchedule(
            opened_at, [(at, j, False) for at, j in journeys]
        )
        paying: set[asyncio.Task[Outcome]] = set()

        async def work() -> None:
            while (item := await schedule.next()) is not None:
                late, fan_journey, second_chance = item
                probe.clicked_late(late)
                try:
                    step = await fan_journey.click(second_chance=second_chance)
                    if step.back_after is not None:  # before done(): the workers wait for it
                        schedule.add(step.back_after, fan_journey, True)
                finally:
                    schedule.done()
                if step.orders:
                    task = asyncio.create_task(fan_journey.settle(step.orders))
                    paying.add(task)
                    task.add_done_callback(paying.discard)
                elif step.outcome is not None:
                    fan_journey.done(step.outcome)

        await asyncio.gather(*(work() for _ in range(self._connections)))
        while paying:
            await asyncio.gather(*list(paying))

    async def _register(self, journeys: Iterable[FanJourney]) -> None:
        """Registrations over HTTP, before the countdown ends, through the same few workers."""
        pending = iter(journeys)

        async def work() -> None:
            for fan_journey in pending:
                await fan_journey.register()

        await asyncio.gather(*(work() for _ in range(self._connections)))

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
    """The sale's terms, and the server's clock from the quickest of a few reads of it."""
    exchanges: list[Exchange] = []
    for _ in range(CLOCK_EXCHANGES):
        sent = datetime.now(UTC)
        reply = await client.sale(sale_id)
        received = datetime.now(UTC)
        if reply.status != 200:
            raise CrowdError(f"cannot read sale {sale_id}: {reply.status} {reply.problem}")
        exchanges.append((sent, received, datetime.fromisoformat(str(reply.body["server_time"]))))
    body = reply.body
    terms = SaleTerms(
        sale_id=str(body["id"]),
        stock_total=int(body["stock_total"]),
        per_customer_limit=int(body["per_customer_limit"]),
        opens_at=datetime.fromisoformat(str(body["opens_at"])),
        closes_at=datetime.fromisoformat(str(body["closes_at"])),
        payment_window_seconds=float(body["payment_window_seconds"]),
    )
    return terms, ServerClock.from_quickest(exchanges)
