"""Partner channels over HTTP (memory and SQLite): a pool committed at the Bengaluru DC, an
Amazon report imported twice (all duplicates the second time, nothing changed), the partner's
oversell rejected line by line and flagged by the reconciliation, the feeds in the partners'
shapes, and bad input a clear 4xx with nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ADMIN
from tests.e2e.test_bad_input import assert_problem
from tests.unit.channels.shapes import AMAZON_LISTINGS_FEED, FLIPKART_INVENTORY_UPDATE, validate

CHANNELS = "/api/v1/admin/channels"
AMAZON = f"{CHANNELS}/AMAZON_IN"
BLR = {"code": "DC-BLR", "name": "Bengaluru DC", "market": "IN", "timezone": "Asia/Kolkata"}
HEADER = (
    "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency\titem-price"
    "\tship-state\tship-postal-code\n"
)
REPORT = HEADER + (
    "402-0000001-0000001\t10000000000001\t2017-09-20T04:00:00+00:00\tMIBAND2\t2\tINR\t1898.00"
    "\tKarnataka\t560001\n"
    "402-0000002-0000002\t10000000000002\t2017-09-20T04:01:00+00:00\tMIBAND2\t3\tINR\t2847.00"
    "\tMaharashtra\t400001\n"
    "402-0000003-0000003\t10000000000003\t2017-09-20T04:02:00+00:00\tMIBAND2\t2\tINR\t1898.00"
    "\tDelhi\t110001\n"
    "402-0000004-0000004\t10000000000004\t2017-09-20T04:03:00+00:00\tNOPE-1\t1\tINR\t999.00"
    "\tKarnataka\t560001\n"
    "402-0000005-0000005\t10000000000005\t2017-09-20T04:04:00+00:00\tMIBAND2\t1\tUSD\t18.00"
    "\tKarnataka\t560001\n"
)


async def state(client: httpx.AsyncClient) -> dict[str, Any]:
    pools = await client.get(f"{AMAZON}/pools", headers=ADMIN)
    levels = await client.get("/api/v1/admin/stock?location=DC-BLR", headers=ADMIN)
    fos = await client.get("/api/v1/admin/fulfilment-orders?location=DC-BLR", headers=ADMIN)
    return {
        "pools": pools.json(),
        "levels": levels.json(),
        "fulfilment": sorted(
            (fo["source_id"], fo["quantity"], fo["status"])
            for fo in fos.json()["fulfilment_orders"]
        ),
    }


@pytest.fixture
async def partner(client: httpx.AsyncClient) -> None:
    product = await client.post(
        "/api/v1/admin/products",
        headers=ADMIN,
        json={
            "name": "Mi Band 2",
            "variants": [{"sku": "MIBAND2", "attributes": {}, "prices": {"IN": "999.00"}}],
        },
    )
    assert product.status_code == 201, product.text
    assert (await client.post("/api/v1/admin/locations", headers=ADMIN, json=BLR)).is_success
    received = await client.post(
        "/api/v1/admin/locations/DC-BLR/stock-moves",
        headers=ADMIN,
        json={"sku": "MIBAND2", "kind": "receive", "quantity": 10, "reference": "PO-1"},
    )
    assert received.status_code == 201, received.text
    made = await client.post(
        CHANNELS,
        headers=ADMIN,
        json={"code": "AMAZON_IN", "market": "IN", "name": "Amazon India", "safety_buffer": 1},
    )
    assert made.status_code == 201, made.text
    assert made.json()["currency"] == "INR"


async def test_a_pool_is_committed_at_the_dc_and_never_above_its_free_stock(
    client: httpx.AsyncClient, partner: None
) -> None:
    too_many = await client.put(
        f"{AMAZON}/pools", headers=ADMIN,
        json={"pools": [{"location": "DC-BLR", "sku": "MIBAND2", "units": 11}]},
    )  # fmt: skip
    assert_problem(too_many, 409, "pool-above-free")
    put = await client.put(
        f"{AMAZON}/pools", headers=ADMIN,
        json={"pools": [{"location": "DC-BLR", "sku": "MIBAND2", "units": 6}]},
    )  # fmt: skip
    assert put.status_code == 200, put.text
    assert put.json()["pools"] == [
        {"location": "DC-BLR", "sku": "MIBAND2", "units": 6, "consumed": 0, "available": 6,
         "buffer": 1, "published": 5}
    ]  # fmt: skip
    (level,) = (await client.get("/api/v1/admin/stock", headers=ADMIN)).json()["levels"]
    assert (level["committed"], level["free"]) == (6, 4)
    unknown = await client.put(
        f"{AMAZON}/pools", headers=ADMIN,
        json={"pools": [{"location": "DC-NOWHERE", "sku": "MIBAND2", "units": 1}]},
    )  # fmt: skip
    assert unknown.status_code == 404, unknown.text


async def test_a_report_imported_twice_changes_nothing_the_second_time(
    client: httpx.AsyncClient, partner: None
) -> None:
    await client.put(
        f"{AMAZON}/pools", headers=ADMIN,
        json={"pools": [{"location": "DC-BLR", "sku": "MIBAND2", "units": 6}]},
    )  # fmt: skip
    url = f"{AMAZON}/orders?format=amazon-flatfile"
    first = await client.post(url, headers=ADMIN, content=REPORT.encode())
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["imported"], body["duplicates"], body["rejected_total"]) == (2, 0, 3)
    assert body["rejected"] == [
        {"line": 4, "problem": "pool-exhausted"},
        {"line": 5, "problem": "unknown-sku"},
        {"line": 6, "problem": "wrong-currency"},
    ]
    after = await state(client)
    assert after["pools"]["pools"][0]["consumed"] == 5
    assert [(fo[1], fo[2]) for fo in after["fulfilment"]] == [(2, "allocated"), (3, "allocated")]
    (level,) = after["levels"]["levels"]
    assert (level["allocated"], level["committed"]) == (5, 1)

    second = await client.post(url, headers=ADMIN, content=REPORT.encode())
    assert second.status_code == 200, second.text
    assert (second.json()["imported"], second.json()["duplicates"]) == (0, 5)
    assert second.json()["rejected"] == []
    assert await state(client) == after

    reconciled = await client.get(
        f"{AMAZON}/reconciliation?from=2017-09-20&to=2017-09-20", headers=ADMIN
    )
    assert reconciled.status_code == 200, reconciled.text
    report = reconciled.json()
    assert report["partner_oversold"] is True and report["oversold"] == 2
    band = next(row for row in report["days"] if row["sku"] == "MIBAND2")
    assert (band["reported"], band["imported"], band["consumed"], band["rejected"]) == (8, 5, 5, 3)


async def test_feeds_are_in_the_partners_shapes(client: httpx.AsyncClient, partner: None) -> None:
    await client.put(
        f"{AMAZON}/pools", headers=ADMIN,
        json={"pools": [{"location": "DC-BLR", "sku": "MIBAND2", "units": 6}]},
    )  # fmt: skip
    amazon = await client.get(f"{AMAZON}/feed?format=amazon-json&seller_id=A1XYZ", headers=ADMIN)
    assert amazon.status_code == 200, amazon.text
    (document,) = amazon.json()["documents"]
    validate(document, AMAZON_LISTINGS_FEED)
    assert document["header"] == {"sellerId": "A1XYZ", "version": "2.0", "issueLocale": "en_IN"}
    patch = document["messages"][0]["patches"][0]
    assert patch["value"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}]
    flipkart = await client.get(f"{AMAZON}/feed?format=flipkart-json", headers=ADMIN)
    (batch,) = flipkart.json()["documents"]
    validate(batch, FLIPKART_INVENTORY_UPDATE)
    assert batch == {"MIBAND2": {"product_id": "MIBAND2", "locations": [
        {"id": "DC-BLR", "inventory": 5}]}}  # fmt: skip
    csv = await client.get(f"{AMAZON}/feed.csv", headers=ADMIN)
    assert csv.headers["content-type"].startswith("text/csv")
    wrapped = await client.get(f"{AMAZON}/feed?format=csv", headers=ADMIN)
    assert wrapped.json()["documents"] == [csv.text]
    assert csv.text.splitlines() == [
        "sku,location,units,consumed,safety_buffer,quantity",
        "MIBAND2,DC-BLR,6,0,1,5",
    ]


async def test_bad_input_is_refused_with_nothing_written(
    client: httpx.AsyncClient, partner: None
) -> None:
    before = await state(client)
    url = f"{AMAZON}/orders?format=amazon-flatfile"
    malformed = HEADER + "402-1\t1\tyesterday\tMIBAND2\t1\tINR\t1\tKA\t1\n" + "402-2\t2\n"
    refused = await client.post(url, headers=ADMIN, content=malformed.encode())
    assert_problem(refused, 422, "unreadable-import")
    assert [entry["line"] for entry in refused.json()["lines"]] == [2, 3]
    no_header = await client.post(url, headers=ADMIN, content=b"just\ttext\n")
    assert_problem(no_header, 422, "unreadable-import")
    not_json = await client.post(f"{AMAZON}/orders?format=json", headers=ADMIN, content=b"{,")
    assert_problem(not_json, 422, "unreadable-import")
    wrong_format = await client.post(f"{AMAZON}/orders?format=xml", headers=ADMIN, content=b"")
    assert wrong_format.status_code == 422, wrong_format.text
    assert await state(client) == before
    usd = await client.put(f"{AMAZON}/prices", headers=ADMIN, json={"prices": {"MIBAND2": "1.001"}})
    assert usd.status_code == 422, usd.text
    priced = await client.put(
        f"{AMAZON}/prices", headers=ADMIN, json={"prices": {"MIBAND2": "949.00"}}
    )
    assert priced.json()["prices"] == [{"sku": "MIBAND2", "amount": "949.00", "currency": "INR"}]
    assert (await client.get(f"{CHANNELS}/NOPE/pools", headers=ADMIN)).status_code == 404
    assert (await client.get(f"{AMAZON}/pools")).status_code == 401
    renamed = await client.patch(
        AMAZON, headers=ADMIN, json={"safety_buffer": 3, "name": "Amazon.in"}
    )
    assert (renamed.json()["safety_buffer"], renamed.json()["name"]) == (3, "Amazon.in")
    assert renamed.json()["currency"] == "INR"
    listed = await client.get(CHANNELS, headers=ADMIN)
    assert [c["code"] for c in listed.json()["channels"]] == ["AMAZON_IN"]
    taken = await client.post(
        CHANNELS, headers=ADMIN, json={"code": "AMAZON_IN", "market": "IN", "name": "Again"}
    )
    assert_problem(taken, 409, "conflict")
