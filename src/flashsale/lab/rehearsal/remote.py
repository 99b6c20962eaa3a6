"""A running server staged over its API: operator calls for the sale, real sign-ups for fans.

No bulk path here: every fan signs up and logs in over HTTP (a password hash each, on the
server), so a large crowd takes a while to assemble. The sale is created only once they have,
so that its countdown is spent on registering, as on a real record day.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from flashsale.lab.crowd.client import ShopClient, new_session
from flashsale.lab.crowd.fan import Fan
from flashsale.lab.crowd.processes import Round
from flashsale.lab.demo.catalogue import BAND_SKU, MI_BAND_2
from flashsale.lab.demo.markets import DEMO_MARKETS, INDIA
from flashsale.lab.rehearsal.admin import AdminClient, AdminError, SaleOrder
from flashsale.lab.rehearsal.scenario import Scenario, split
from flashsale.lab.rehearsal.stage import Stage

# Sign-ups hash a password each on the server: more at once only queues them there.
SIGN_UP_CONCURRENCY = 16
SALE_OPEN_FOR = timedelta(hours=1)


@contextlib.asynccontextmanager
async def remote_stage(url: str, admin_token: str, scenario: Scenario) -> AsyncIterator[Stage]:
    async with new_session(SIGN_UP_CONCURRENCY) as session:
        admin = AdminClient(session, url, admin_token)
        for market in DEMO_MARKETS:  # the band is priced in each of them
            await admin.ensure_market(market)
        await admin.ensure_product(MI_BAND_2)
        fans = await sign_up(ShopClient(session, url), scenario.fans)
        # Loopback only: the server's clock is this machine's clock.
        now = datetime.now(UTC)
        rounds = []
        fan_shares = split(scenario.fans, scenario.sales)
        for index, stock in enumerate(split(scenario.stock, scenario.sales)):
            opens_at = now + timedelta(
                seconds=scenario.opens_in_seconds + index * scenario.sale_gap_seconds
            )
            sale_id = await admin.create_sale(
                SaleOrder(
                    sku=BAND_SKU,
                    market=INDIA.code,
                    stock=stock,
                    per_customer_limit=scenario.limit,
                    registration_opens_at=now,
                    opens_at=opens_at,
                    closes_at=opens_at + SALE_OPEN_FOR,
                    payment_window_seconds=scenario.payment_window_seconds,
                )
            )
            await admin.mark_rehearsal(sale_id)
            first = sum(fan_shares[:index])
            rounds.append(Round(sale_id, fans[first : first + fan_shares[index]]))
    yield Stage(url=url, admin_token=admin_token, rounds=rounds, target=url)


async def sign_up(client: ShopClient, count: int) -> list[Fan]:
    run = secrets.token_hex(4)  # emails are unique per shop: fresh ones each run
    password = secrets.token_urlsafe(12)
    slots = asyncio.Semaphore(SIGN_UP_CONCURRENCY)

    async def one(number: int) -> Fan:
        email = f"fan{number:06d}.{run}@rehearsal.example.com"
        async with slots:
            created = await client.sign_up(email, password, INDIA.code)
            if created.status != 201:
                raise AdminError(f"signing up {email}: {created.status} {created.problem}")
            session = await client.log_in(email, password)
            if session.status != 200:
                raise AdminError(f"logging in {email}: {session.status} {session.problem}")
        return Fan(str(session.body["customer_id"]), str(session.body["token"]))

    return list(await asyncio.gather(*(one(n) for n in range(1, count + 1))))
