"""A database that does not answer in time is a 503 to retry, never a 500."""

from __future__ import annotations

import httpx
import sqlalchemy.exc

from flashsale.asgi import create_app
from flashsale.bootstrap import build_shop
from flashsale.customers.security import SessionTokens
from flashsale.orders.domain.order import Order
from flashsale.record.memory_store import MemoryStore
from tests.conftest import fast_settings


class TimingOutStore(MemoryStore):
    async def orders_of_customer(self, customer_id: str) -> list[Order]:
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")


async def test_a_pool_timeout_answers_503_store_unavailable() -> None:
    shop = await build_shop(fast_settings(), store=TimingOutStore())
    app = create_app(shop)
    token = SessionTokens(shop.keys.session, 3600).issue("cus_somebody")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            answer = await client.get(
                "/api/v1/orders", headers={"Authorization": f"Bearer {token}"}
            )
    await shop.aclose()
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/store-unavailable"
    assert answer.headers["retry-after"] == "1"
