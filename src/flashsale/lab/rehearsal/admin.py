"""The operator's side of the API, as the rehearsal calls it: markets, products, sales, audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import orjson

from flashsale.catalog.market import Market
from flashsale.lab.crowd.loopback import require_loopback
from flashsale.lab.demo.catalogue import DemoProduct


class AdminError(RuntimeError):
    """The server refused an operator's call the rehearsal cannot do without."""


@dataclass(frozen=True, slots=True)
class SaleOrder:
    """What the rehearsal asks the server to put on sale."""

    sku: str
    market: str
    stock: int
    per_customer_limit: int
    registration_opens_at: datetime
    opens_at: datetime
    closes_at: datetime
    payment_window_seconds: float


class AdminClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self._session = session
        self._api = require_loopback(base_url) + "/api/v1"
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = dict(self._headers)
        data = None
        if body is not None:
            data = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        async with self._session.request(
            method, self._api + path, data=data, headers=headers
        ) as response:
            raw = await response.read()
            parsed = orjson.loads(raw) if raw else {}
            return response.status, parsed if isinstance(parsed, dict) else {"value": parsed}

    async def ensure_market(self, market: Market) -> None:
        status, body = await self._call(
            "POST",
            "/admin/markets",
            {
                "code": market.code,
                "name": market.name,
                "currency": market.currency,
                "locale": market.locale,
                "timezone": market.timezone,
            },
        )
        _expect(status, body, {200, 201}, f"adding market {market.code}")

    async def ensure_product(self, product: DemoProduct) -> None:
        """409 means a SKU of it exists already: a server rehearsed on before, which is fine."""
        variants = [
            {"sku": v.sku, "attributes": dict(v.attributes), "prices": dict(v.prices)}
            for v in product.variants
        ]
        status, body = await self._call(
            "POST", "/admin/products", {"name": product.name, "variants": variants}
        )
        _expect(status, body, {201, 409}, f"adding product {product.name}")

    async def create_sale(self, order: SaleOrder) -> str:
        status, body = await self._call(
            "POST",
            "/admin/sales",
            {
                "sku": order.sku,
                "market": order.market,
                "stock": order.stock,
                "per_customer_limit": order.per_customer_limit,
                "registration_opens_at": order.registration_opens_at.isoformat(),
                "registration_closes_at": order.opens_at.isoformat(),
                "opens_at": order.opens_at.isoformat(),
                "closes_at": order.closes_at.isoformat(),
                "payment_window_seconds": order.payment_window_seconds,
            },
        )
        _expect(status, body, {201}, "creating the sale")
        return str(body["id"])

    async def mark_rehearsal(self, sale_id: str) -> None:
        """The sale's orders are a rehearsal's: the sales report keeps them apart."""
        status, body = await self._call("PUT", f"/admin/reports/rehearsals/{sale_id}")
        _expect(status, body, {200}, f"marking sale {sale_id} as a rehearsal")

    async def audit(self, sale_id: str) -> dict[str, Any]:
        status, body = await self._call("GET", f"/admin/sales/{sale_id}/audit")
        _expect(status, body, {200}, f"auditing sale {sale_id}")
        return body


def _expect(status: int, body: dict[str, Any], wanted: set[int], doing: str) -> None:
    if status not in wanted:
        detail = body.get("detail") or body.get("title") or body
        raise AdminError(f"{doing}: the server answered {status}: {detail}")
