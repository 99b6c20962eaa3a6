"""The sales reports over HTTP: a rehearsed sale's day in the report equals what the sale's
audit says was paid, in units and in rupees; rates put later restate it in dollars; every bad
input a 4xx naming what is allowed."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import CreateSale, SignUp

REPORTS = "/api/v1/admin/reports"
CARD = {"card": "4242424242424242"}


async def test_a_rehearsed_sale_s_day_equals_its_audit(
    client: httpx.AsyncClient,
    shop: Shop,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
) -> None:
    sale = await create_sale(stock=5, per_customer_limit=2)
    marked = await client.put(f"{REPORTS}/rehearsals/{sale['id']}", headers=ADMIN)
    assert marked.status_code == 200 and marked.json()["newly_marked"], marked.text
    fans = [await sign_up(f"fan{n}@example.com") for n in range(3)]
    for fan in fans:
        await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    for n, fan in enumerate(fans):
        bought = await client.post(
            f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": 2 - n % 2}
        )
        assert bought.status_code == 201, bought.text
        if n < 2:  # the third fan never pays
            paid = await client.post(
                f"/api/v1/orders/{bought.json()['order_id']}/payments", headers=fan, json=CARD
            )
            assert paid.status_code == 200, paid.text
    await shop.reporting.projector.catch_up()

    audit = (await client.get(f"/api/v1/admin/sales/{sale['id']}/audit", headers=ADMIN)).json()
    day = T0.date().isoformat()  # 05:00 UTC is 10:30 in India, the same day
    query = {"grain": "day", "by": "market", "from": day, "to": day, "currency": "USD"}
    report = await client.get(
        f"{REPORTS}/sales", headers=ADMIN, params=query | {"rehearsals": "only"}
    )
    assert report.status_code == 200, report.text
    (row,) = report.json()["rows"]
    assert row["market"] == "IN" and row["units_sold"] == audit["paid"] == 3
    assert Decimal(row["revenue"]["amount"]) == 999 * audit["paid"]
    assert row["revenue_reporting"]["incomplete"] and report.json()["missing_rates"] == [
        {"currency": "INR", "day": day}
    ]
    real = await client.get(f"{REPORTS}/sales", headers=ADMIN, params=query)
    assert real.json()["rows"] == []

    rates = {"rates": [{"day": day, "base": "USD", "quote": "INR", "rate": "63.50"}]}
    put = await client.put("/api/v1/admin/fx-rates", headers=ADMIN, json=rates)
    assert put.status_code == 200 and put.json() == {"stored": 1}, put.text
    again = await client.get(
        f"{REPORTS}/sales", headers=ADMIN, params=query | {"rehearsals": "only"}
    )
    converted = again.json()["rows"][0]["revenue_reporting"]
    assert not converted["incomplete"]
    assert Decimal(converted["amount"]) == (Decimal(2997) / Decimal("63.50")).quantize(
        Decimal("0.01")
    )

    csv = await client.get(
        f"{REPORTS}/sales.csv", headers=ADMIN, params=query | {"rehearsals": "only"}
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].startswith(f"{day},{day},{day},IN,,,2,3,")
    parquet = await client.get(
        f"{REPORTS}/sales.parquet", headers=ADMIN, params=query | {"rehearsals": "only"}
    )
    assert parquet.status_code == 200, parquet.text
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    first = parquet_rows(parquet.content)[0]
    assert (first["market"], first["orders"], first["units_sold"]) == ("IN", 2, 3)

    sellouts = await client.get(
        f"{REPORTS}/sell-outs", headers=ADMIN, params={"rehearsals": "only"}
    )
    assert sellouts.status_code == 200 and sellouts.json()["sellouts"][0]["sale_id"] == sale["id"]


async def test_bad_questions_are_4xx_naming_what_is_allowed(client: httpx.AsyncClient) -> None:
    cases = [
        ({"grain": "fortnight"}, "day, week, month, quarter, year"),
        ({"by": "market,colour"}, "market, channel, sku"),
        ({"from": "2017-12", "to": "2017-01"}, "after"),
        ({"grain": "day", "from": "2000", "to": "2017"}, "ten years"),
        ({"currency": "usd"}, "ISO 4217"),
        ({"from": "2017-13"}, "2017-Q2"),
    ]
    for params, said in cases:
        answer = await client.get(f"{REPORTS}/sales", headers=ADMIN, params=params)
        assert answer.status_code == 422 and said in answer.json()["detail"], (params, answer.text)
    records = await client.get(f"{REPORTS}/records", headers=ADMIN, params={"metric": "likes"})
    assert records.status_code == 422 and "units_shipped" in records.json()["detail"]
    growth = await client.get(
        f"{REPORTS}/growth", headers=ADMIN, params={"metric": "revenue", "grain": "day"}
    )
    assert growth.status_code == 422 and "quarter, year" in growth.json()["detail"]
    bad_rate = {"rates": [{"day": "2015-04-08", "base": "EUR", "quote": "XQZ", "rate": "1.5"}]}
    refused = await client.put("/api/v1/admin/fx-rates", headers=ADMIN, json=bad_rate)
    assert refused.status_code == 422, refused.text
    unauthorised = await client.get(f"{REPORTS}/sales")
    assert unauthorised.status_code == 401


async def test_targets_duplicates_and_progress(client: httpx.AsyncClient) -> None:
    target = {"period": "2018", "metric": "units_shipped", "value": 100_000_000}
    created = await client.put("/api/v1/admin/targets", headers=ADMIN, json=target)
    assert created.status_code == 201, created.text
    duplicate = await client.put("/api/v1/admin/targets", headers=ADMIN, json=target)
    assert duplicate.status_code == 409
    malformed = await client.put(
        "/api/v1/admin/targets", headers=ADMIN, json=target | {"period": "2018-Q5"}
    )
    assert malformed.status_code == 422 and "2017-Q2" in malformed.json()["detail"]
    progress = await client.get(
        f"/api/v1/admin/targets/{created.json()['id']}/progress", headers=ADMIN
    )
    assert progress.status_code == 200, progress.text
    body = progress.json()
    assert body["days_total"] == 365 and body["days_gone"] == 0 and not body["on_track"]
    missing = await client.get("/api/v1/admin/targets/tgt_none/progress", headers=ADMIN)
    assert missing.status_code == 404


def parquet_rows(content: bytes) -> list[dict[str, Any]]:
    pq = pytest.importorskip("pyarrow.parquet")
    rows: list[dict[str, Any]] = pq.read_table(io.BytesIO(content)).to_pylist()
    return rows
