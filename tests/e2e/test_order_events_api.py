"""The order event feed over HTTP (admin), on every record: what a buyer does shows up as
events, in order, page by page; bad cursors, kinds and limits are 422, a customer's token 403."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from tests.contract.record_world import feed_caught_up
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem

shop = backends.shop
postgres_url = backends.postgres_url
EVENTS = "/api/v1/admin/events"


async def feed(client: httpx.AsyncClient, **query: Any) -> dict[str, Any]:
    answer = await client.get(EVENTS, headers=ADMIN, params=query)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_buyers_story_is_read_back_as_events_in_order(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    sale = await create_sale(stock=5, per_customer_limit=2)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    bought = [
        (await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)).json()
        for _ in range(2)
    ]
    first, second = (order["order_id"] for order in bought)
    paid = await client.post(
        f"/api/v1/orders/{first}/payments", headers=fan, json={"card": "4242424242424242"}
    )
    assert paid.status_code == 200, paid.text
    cancelled = await client.post(f"/api/v1/orders/{second}/cancel", headers=fan)
    assert cancelled.status_code == 200, cancelled.text

    await feed_caught_up(shop.store)
    page = await feed(client)
    story = [(e["type"], e["order_id"]) for e in page["events"]]
    assert story == [
        ("order.reserved", first),
        ("order.reserved", second),
        ("order.paid", first),
        ("order.cancelled", second),
    ]
    reserved = page["events"][0]
    assert reserved["order"]["sale_id"] == sale["id"]
    assert (reserved["order"]["amount"], reserved["order"]["currency"]) == ("999.00", "INR")
    assert reserved["actor"].startswith("customer:cus_")
    assert page["next_cursor"] == page["events"][-1]["cursor"] and not page["has_more"]
    one_by_one = []
    cursor = ""
    while True:
        got = await feed(client, after=cursor, limit=1)
        if not got["events"]:
            break
        one_by_one += got["events"]
        cursor = got["next_cursor"]
    assert one_by_one == page["events"]
    only_paid = await feed(client, kind="order.paid,order.cancelled")
    assert [e["type"] for e in only_paid["events"]] == ["order.paid", "order.cancelled"]
    nothing_new = await feed(client, after=page["next_cursor"])
    assert nothing_new["events"] == [] and nothing_new["next_cursor"] == page["next_cursor"]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"after": "nonsense"}, "invalid-input"),
        ({"after": "1-2-3"}, "invalid-input"),
        ({"after": "9" * 30 + "-1"}, "invalid-input"),
        ({"limit": "0"}, "validation-error"),
        ({"limit": "1001"}, "validation-error"),
        ({"limit": "ten"}, "validation-error"),
        ({"limit": "-1"}, "validation-error"),
        ({"kind": "order.teleported"}, "invalid-input"),
    ],
)
async def test_bad_cursors_limits_and_kinds_are_422(
    client: httpx.AsyncClient, query: dict[str, str], problem: str
) -> None:
    answer = await client.get(EVENTS, headers=ADMIN, params=query)
    assert_problem(answer, 422, problem)
    if "kind" in query:
        assert "order.paid" in answer.json()["detail"]  # the known ones are listed


async def test_the_feed_is_the_operators_not_a_customers(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    fan = await sign_up("fan@example.com")
    assert_problem(await client.get(EVENTS, headers=fan), 403, "forbidden")
    assert_problem(await client.get(EVENTS), 401, "authentication-failed")
