"""The crowd as a whole: register, wait for the opening by the server's clock, fire, verify."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flashsale.crowd.behaviour import CrowdPlan, assign_plans
from flashsale.crowd.client import ShopClient, new_session
from flashsale.crowd.fan import Fan, FanJourney, SaleTerms, monotonic_opening
from flashsale.crowd.invariants import SeenOrder, Violation, check
from flashsale.crowd.outcomes import CrowdLog
from flashsale.crowd.server_clock import ServerClock

# Beyond this many connections the server's accept queue and file descriptors become the test;
# the connector queues the rest of the crowd, which then reuses the kept-alive ones.
MAX_CONNECTIONS = 1000
NOT_VERIFIED = "not verified"
VERIFY_ATTEMPTS = 5


class CrowdError(RuntimeError):
    """The crowd could not start: the sale is unreadable."""


@dataclass(frozen=True, slots=True)
class CrowdReport:
    terms: SaleTerms
    log: CrowdLog
    seen: list[SeenOrder]
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations


class Crowd:
    def __init__(
        self,
        base_url: str,
        fans: Sequence[Fan],
        plan: CrowdPlan | None = None,
        *,
        connections: int | None = None,
    ) -> None:
        self._base_url = base_url
        self._fans = list(fans)
        self._plan = plan or CrowdPlan()
        self._connections = connections or max(1, min(len(self._fans), MAX_CONNECTIONS))
        self.log = CrowdLog(fans=len(self._fans))

    async def run(self, sale_id: str) -> CrowdReport:
        async with new_session(self._connections) as session:
            client = ShopClient(session, self._base_url)
            terms, clock = await read_sale(client, sale_id)
            self.log.stock_total = terms.stock_total
            self.log.opened_at = monotonic_opening(clock, terms.opens_at)
            self.log.phase = "registering, then waiting for the opening"
            opening = asyncio.create_task(self._mark_opening(clock, terms))
            rng = random.Random(self._plan.seed)
            journeys = [
                FanJourney(
                    fan,
                    fan_plan,
                    client=client,
                    terms=terms,
                    clock=clock,
                    plan=self._plan,
                    log=self.log,
                    rng=random.Random(rng.random()),
                )
                for fan, fan_plan in zip(
                    self._fans, assign_plans(len(self._fans), self._plan), strict=True
                )
            ]
            await asyncio.gather(*(journey.run() for journey in journeys))
            await opening
            self.log.phase = "reading every acknowledged order back"
            seen = await self._verify(client)
        self.log.phase = "done"
        self.log.finished = True
        violations = check(
            seen, stock_total=terms.stock_total, per_customer_limit=terms.per_customer_limit
        )
        violations += [
            Violation("not verified", f"order {o.order_id} could not be read back")
            for o in seen
            if o.status == NOT_VERIFIED
        ]
        return CrowdReport(terms, self.log, seen, violations)

    async def _mark_opening(self, clock: ServerClock, terms: SaleTerms) -> None:
        await asyncio.sleep(max(0.0, clock.seconds_until(terms.opens_at)))
        self.log.phase = "selling"

    async def _verify(self, client: ShopClient) -> list[SeenOrder]:
        tokens = {fan.customer_id: fan.token for fan in self._fans}

        async def read_back(order_id: str, customer_id: str, quantity: int) -> SeenOrder:
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
