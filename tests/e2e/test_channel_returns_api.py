"""A partner's cancellations and returns over HTTP (memory and SQLite), in its own shapes:
Amazon's order report naming a cancelled line gives its units back to the pool before it
ships; Amazon's returns report brings a delivered unit back to the Bengaluru DC (a return not
yet delivered back is passed over); a damaged one is written off; the same files again change
nothing; the reconciliation counts what came back; and the stock audit of the SKU stays clean,
every unit told by its door. Bad files are 422 with their line numbers, nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest

from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import assert_problem
from tests.e2e.test_channel_api import AMAZON, REPORT, partner  # noqa: F401 (a fixture)
from tests.e2e.test_fulfilment_ops_api import ADMIN_CSV

CANCELLED = (
    "order-id\torder-item-id\tpurchase-date\tlast-updated-date\torder-status\n"
    "402-0000001-0000001\t10000000000001\t2017-09-20T04:00:00+00:00\t2017-09-20T05:00:00+00:00"
    "\tShipped\n"
    "402-0000003-0000003\t10000000000003\t2017-09-20T04:02:00+00:00\t2017-09-20T05:00:00+00:00"
    "\tCancelled\n"
)
AMAZON_RETURNS = (
    "Order ID\tOrder date\tReturn request date\tReturn request status\tMerchant SKU"
    "\tReturn quantity\tReturn delivery date\tdetailed-disposition\n"
    "402-0000001-0000001\t2017-09-20\t2017-09-25\tApproved\tMIBAND2\t1\t2017-09-27\tSELLABLE\n"
    "402-0000002-0000002\t2017-09-20\t2017-09-26\tApproved\tMIBAND2\t1\t\t\n"
)
DAMAGED = {
    "events": [
        {"order_id": "402-0000002-0000002", "line_id": "10000000000002", "kind": "return",
         "at": "2017-09-28T06:00:00+00:00", "condition": "damaged"},
    ]
}  # fmt: skip


async def post(client: httpx.AsyncClient, format: str, body: bytes) -> httpx.Response:
    return await client.post(f"{AMAZON}/returns?format={format}", headers=ADMIN, content=body)


async def audit(client: httpx.AsyncClient) -> dict[str, Any]:
    found = await client.get("/api/v1/admin/stock/audit?sku=MIBAND2", headers=ADMIN)
    assert found.status_code == 200 and found.json()["clean"] is True, found.text
    (stock,) = found.json()["stock"]
    assert stock["balanced"] is True and stock["sku"] == "MIBAND2", stock
    body: dict[str, Any] = stock
    return body


async def level(client: httpx.AsyncClient) -> tuple[int, int, int]:
    found = await client.get("/api/v1/admin/stock?location=DC-BLR", headers=ADMIN)
    (x,) = found.json()["levels"]
    return x["on_hand"], x["allocated"], x["committed"]


@pytest.mark.usefixtures("partner")
async def test_cancellations_and_returns_in_the_partners_shapes(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    pools = {"pools": [{"location": "DC-BLR", "sku": "MIBAND2", "units": 8}]}
    assert (await client.put(f"{AMAZON}/pools", headers=ADMIN, json=pools)).is_success
    url = f"{AMAZON}/orders?format=amazon-flatfile"
    assert (await client.post(url, headers=ADMIN, content=REPORT.encode())).json()["imported"] == 3
    assert await level(client) == (10, 7, 1)

    cancelled = await post(client, "amazon-flatfile", CANCELLED.encode())
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() | {"batch": ""} == {
        "channel": "AMAZON_IN", "batch": "", "applied": 1, "duplicates": 0, "passed_over": 1,
        "rejected_total": 0, "rejected": [],
    }  # fmt: skip
    assert await level(client) == (10, 5, 3)  # two units back in the pool
    (pool,) = (await client.get(f"{AMAZON}/pools", headers=ADMIN)).json()["pools"]
    assert (pool["units"], pool["consumed"]) == (8, 5)
    assert (await audit(client))["in_pools"] == 3

    cut = await client.post("/api/v1/admin/locations/DC-BLR/waves", headers=ADMIN, json={})
    wave = cut.json()
    assert len(wave["fulfilment_orders"]) == 2, wave  # the cancelled line is not picked
    csv = "".join(f"{fo['id']},sandbox,\n" for fo in wave["fulfilment_orders"])
    shipped = await client.post(
        f"/api/v1/admin/waves/{wave['id']}/shipments", headers=ADMIN_CSV, content=csv
    )
    assert shipped.status_code == 201, shipped.text
    clock.set(T0 + timedelta(days=4))
    assert (await client.post("/api/v1/admin/fulfilment/deliveries", headers=ADMIN)).is_success
    assert await level(client) == (5, 0, 3)

    back = await post(client, "amazon-returns", AMAZON_RETURNS.encode())
    assert back.status_code == 200, back.text
    assert (back.json()["applied"], back.json()["passed_over"]) == (1, 1)  # one not back yet
    written_off = await post(client, "json", orjson.dumps(DAMAGED))
    assert written_off.json()["applied"] == 1, written_off.text
    assert await level(client) == (6, 0, 3)  # one back on the shelf, one written off

    for format, body in (
        ("amazon-flatfile", CANCELLED.encode()),
        ("amazon-returns", AMAZON_RETURNS.encode()),
        ("json", orjson.dumps(DAMAGED)),
    ):
        again = await post(client, format, body)
        assert (again.json()["applied"], again.json()["duplicates"]) == (0, 1), again.text
    assert await level(client) == (6, 0, 3)

    reconciled = await client.get(
        f"{AMAZON}/reconciliation?from=2017-09-20&to=2017-09-30", headers=ADMIN
    )
    rows = reconciled.json()["days"]
    assert {(r["day"], r["returned"]) for r in rows if r["returned"]} == {
        ("2017-09-20", 2), ("2017-09-27", 1), ("2017-09-28", 3),
    }  # fmt: skip
    stock = await audit(client)
    assert stock["doors"] == [{"door": "partners", "shipped": 5, "returned": 4, "sold": 1}]
    assert (stock["received"], stock["in_pools"], stock["on_hand"], stock["written_off"]) == (
        10, 3, 3, 3,
    )  # fmt: skip


@pytest.mark.usefixtures("partner")
async def test_unreadable_return_files_are_422_with_their_lines(client: httpx.AsyncClient) -> None:
    no_header = await post(client, "amazon-returns", b"402-1\tMIBAND2\t1\n")
    assert_problem(no_header, 422, "unreadable-import")
    assert no_header.json()["lines"][0]["line"] == 1
    bad = {"events": [{"order_id": "402-1", "line_id": "1", "kind": "refund", "at": "x"}]}
    unreadable = await post(client, "json", orjson.dumps(bad))
    assert_problem(unreadable, 422, "unreadable-import")
    assert unreadable.json()["lines"][0]["line"] == 1
    wrong_format = await post(client, "xml", b"<returns/>")
    assert wrong_format.status_code == 422, wrong_format.text
    item = {"orderId": "OD1", "orderItemId": "1", "quantity": 1, "status": "completed"}
    flipkart = {"returnItems": [item | {"createdDate": "2017-09-27T10:00:00"}]}  # no offset
    no_offset = await post(client, "flipkart-json", orjson.dumps(flipkart))
    assert_problem(no_offset, 422, "unreadable-import")
    unknown = await client.post(f"{AMAZON[:-9]}NOPE/returns", headers=ADMIN, content=b"{}")
    assert unknown.status_code == 404, unknown.text
    levels = await client.get("/api/v1/admin/stock?location=DC-BLR", headers=ADMIN)
    (x,) = levels.json()["levels"]
    assert (x["on_hand"], x["allocated"], x["committed"]) == (10, 0, 0)  # nothing written
