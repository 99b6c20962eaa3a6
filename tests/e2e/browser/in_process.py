"""A shop on a ManualClock, served by uvicorn in the test's own event loop, for Chromium.

The server's clock is the test's: a sale opens when the test moves the clock, never when wall
time says so. Pages carry the server's time and the live feeds push it each second, so the
browser follows it too (site.js keeps only the offset between the two clocks).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import uvicorn

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.service import VariantSpec
from flashsale.kernel.clock import ManualClock
from flashsale.lab.demo.markets import DEMO_MARKETS
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.service.sales import SaleSpec
from flashsale.serving import bind, url_of
from flashsale.web.security import SESSION_COOKIE
from tests.conftest import fast_settings

if TYPE_CHECKING:
    from playwright._impl._api_structures import SetCookieParam

PASSWORD = "mi-fan-2015"
BAND = "MIBAND2-BROWSER"


@dataclass(slots=True)
class LiveShop:
    shop: Shop
    clock: ManualClock
    url: str

    async def band_sale(
        self,
        *,
        opens_at: datetime,
        market: str = "IN",
        stock: int = 5,
        limit: int = 1,
        payment_window: float = 900,
        registration_closes_at: datetime | None = None,
        price: str | None = None,
    ) -> FlashSale:
        if await self.shop.catalog.variant(BAND) is None:
            prices = {"IN": "999", "US": "18", "GR": "19.90", "CN": "149"}
            await self.shop.catalog.add_product("Mi Band 2", [VariantSpec(BAND, {}, prices)])
        now = self.clock.now()
        return await self.shop.sales.create(
            SaleSpec(
                sku=BAND,
                market=market,
                stock=stock,
                per_customer_limit=limit,
                registration_opens_at=min(now, opens_at) - timedelta(minutes=1),
                registration_closes_at=registration_closes_at or opens_at,
                opens_at=opens_at,
                closes_at=opens_at + timedelta(hours=2),
                payment_window_seconds=payment_window,
                price=price,
            )
        )

    async def fan(self, market: str = "IN") -> tuple[str, str]:
        """A new customer's id and session token (the page cookie's value)."""
        email = f"fan-{uuid.uuid4().hex[:10]}@example.com"
        customer = await self.shop.accounts.sign_up(email, PASSWORD, market)
        return customer.id, await self.shop.accounts.log_in(email, PASSWORD)

    def cookie(self, token: str) -> SetCookieParam:
        return {"name": SESSION_COOKIE, "value": token, "url": self.url}

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)


@contextlib.asynccontextmanager
async def live_shop(start: datetime) -> AsyncIterator[LiveShop]:
    clock = ManualClock(start)
    sock = bind("127.0.0.1", 0)
    # The links in the shop's mail lead to this server.
    shop = await build_shop(fast_settings(public_url=url_of(sock)), clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(shop),
            lifespan="on",
            log_level="warning",
            access_log=False,
            # Event streams left open by a failed test end within a second, not in fifteen.
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await shop.catalog.add_markets(list(DEMO_MARKETS))
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.01)
        yield LiveShop(shop, clock, url_of(sock))
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()
        await shop.aclose()
