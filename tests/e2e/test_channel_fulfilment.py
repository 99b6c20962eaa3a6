"""A partner's lines go out of the door as our own orders do (memory and SQLite): imported into
the pool at the Bengaluru DC, waved, shipped and delivered, with no order event for lines that
are not orders of ours, and one stock audit that counts the pool and is clean throughout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_channel_api import AMAZON, REPORT, partner  # noqa: F401 (a fixture)
from tests.e2e.test_fulfilment_ops_api import ADMIN_CSV


async def clean_audit(client: httpx.AsyncClient) -> dict[str, Any]:
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.status_code == 200 and audit.json()["clean"] is True, audit.text
    body: dict[str, Any] = audit.json()
    return body


@pytest.mark.usefixtures("partner")
async def test_partner_lines_are_waved_shipped_and_delivered_and_the_audit_counts_the_pool(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    pooled = await client.put(
        f"{AMAZON}/pools", headers=ADMIN,
        json={"pools": [{"location": "DC-BLR", "sku": "MIBAND2", "units": 6}]},
    )  # fmt: skip
    assert pooled.status_code == 200, pooled.text
    await clean_audit(client)  # six units committed to the partner: a pool, not a discrepancy
    url = f"{AMAZON}/orders?format=amazon-flatfile"
    imported = await client.post(url, headers=ADMIN, content=REPORT.encode())
    assert imported.json()["imported"] == 2, imported.text
    await clean_audit(client)  # five allocated to partner lines, one still pooled

    cut = await client.post("/api/v1/admin/locations/DC-BLR/waves", headers=ADMIN, json={})
    assert cut.status_code == 201, cut.text
    wave = cut.json()
    assert len(wave["fulfilment_orders"]) == 2
    csv = "".join(f"{fo['id']},sandbox,\n" for fo in wave["fulfilment_orders"])
    shipped = await client.post(
        f"/api/v1/admin/waves/{wave['id']}/shipments", headers=ADMIN_CSV, content=csv
    )
    assert shipped.status_code == 201, shipped.text
    clock.set(T0 + timedelta(days=4))
    delivered = await client.post("/api/v1/admin/fulfilment/deliveries", headers=ADMIN)
    assert delivered.status_code == 200, delivered.text
    fos = await client.get("/api/v1/admin/fulfilment-orders?location=DC-BLR", headers=ADMIN)
    assert {fo["status"] for fo in fos.json()["fulfilment_orders"]} == {"delivered"}
    levels = await client.get("/api/v1/admin/stock?location=DC-BLR", headers=ADMIN)
    (level,) = levels.json()["levels"]
    assert (level["on_hand"], level["allocated"], level["committed"]) == (5, 0, 1)
    await clean_audit(client)
    events = await client.get("/api/v1/admin/events", headers=ADMIN)
    assert events.status_code == 200, events.text
    assert [e for e in events.json()["events"] if e["type"].startswith("order.")] == []
