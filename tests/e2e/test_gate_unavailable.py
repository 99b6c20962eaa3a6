"""A stock gate that stays lost after the rebuild-and-retry is a 503 to retry, not a 500."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx

from flashsale.asgi import create_app
from flashsale.bootstrap import build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from flashsale.sales.adapters.local_gate import LocalStockGate
from flashsale.sales.domain.purchase import PurchaseRequest, Refusal
from flashsale.sales.ports import GateNotLoaded
from tests.conftest import fast_settings
from tests.e2e.conftest import ADMIN, T0, sale_body


class AlwaysLostGate(LocalStockGate):
    async def take_stamped(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | int | GateNotLoaded]:
        return [GateNotLoaded(request.sale_id) for request in requests]


async def test_a_gate_that_stays_lost_answers_503_and_takes_nothing() -> None:
    clock = ManualClock(T0)
    shop = await build_shop(fast_settings(), clock=clock, gate=AlwaysLostGate())
    await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
    app = create_app(shop)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            await client.post(
                "/api/v1/admin/products",
                headers=ADMIN,
                json={
                    "name": "Mi Band 2",
                    "variants": [{"sku": "MIBAND2", "prices": {"IN": "999"}}],
                },
            )
            sale = (
                await client.post("/api/v1/admin/sales", headers=ADMIN, json=sale_body())
            ).json()
            await client.post(
                "/api/v1/customers",
                json={"email": "fan@example.com", "password": "mi-fan-2015", "market": "IN"},
            )
            token = (
                await client.post(
                    "/api/v1/sessions", json={"email": "fan@example.com", "password": "mi-fan-2015"}
                )
            ).json()["token"]
            fan = {"Authorization": f"Bearer {token}"}
            await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
            clock.set(T0 + timedelta(hours=2))

            answer = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)

            assert answer.status_code == 503
            assert answer.json()["type"] == "/problems/gate-unavailable"
            assert answer.headers["retry-after"] == "1"
            assert (await client.get("/api/v1/orders", headers=fan)).json()["orders"] == []
    await shop.aclose()
