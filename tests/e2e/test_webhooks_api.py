"""Webhook subscriptions over HTTP (admin), on every record: made with the secret shown once,
listed, changed, removed; deliveries read by status and retried; every refusal an RFC 9457
problem (422 with the known events, a short secret, a URL the shop does not send to) that
leaves nothing written."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus
from flashsale.webhooks.service.subscriptions import Subscriptions
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import SignUp, assert_problem
from tests.unit.webhooks.fakes import FakeResolver

shop = backends.shop
postgres_url = backends.postgres_url
WEBHOOKS = "/api/v1/admin/webhooks"
GOOD = {"url": "http://127.0.0.1:9/hook", "events": ["order.paid"]}


async def made(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    answer = await client.post(WEBHOOKS, headers=ADMIN, json={**GOOD, **body})
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def listed(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await client.get(WEBHOOKS, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["webhooks"]
    return found


async def test_a_webhook_is_made_listed_changed_and_removed(client: httpx.AsyncClient) -> None:
    created = await made(client, events=["order.paid", "order.reserved"])
    assert created["id"].startswith("whk_") and created["secret"].startswith("whsec_")
    assert created["events"] == ["order.reserved", "order.paid"] and created["active"]
    everyone = await listed(client)
    assert [w["id"] for w in everyone] == [created["id"]]
    assert "secret" not in everyone[0]  # shown once, at creation
    one = await client.get(f"{WEBHOOKS}/{created['id']}", headers=ADMIN)
    assert one.status_code == 200 and "secret" not in one.json()

    changed = await client.patch(
        f"{WEBHOOKS}/{created['id']}",
        headers=ADMIN,
        json={"events": ["*"], "active": False, "url": "http://127.0.0.1:10/new"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["events"], body["active"], body["url"]) == (
        ["*"],
        False,
        "http://127.0.0.1:10/new",
    )
    assert body["disabled_reason"] == "disabled by an operator"
    enabled = await client.patch(
        f"{WEBHOOKS}/{created['id']}", headers=ADMIN, json={"active": True}
    )
    assert enabled.json()["active"] and enabled.json()["disabled_reason"] is None

    gone = await client.delete(f"{WEBHOOKS}/{created['id']}", headers=ADMIN)
    assert gone.status_code == 204
    assert await listed(client) == []
    assert_problem(
        await client.delete(f"{WEBHOOKS}/{created['id']}", headers=ADMIN), 404, "not-found"
    )


async def test_a_secret_brought_along_is_kept_in_its_canonical_form(
    client: httpx.AsyncClient,
) -> None:
    key = base64.b64encode(b"s" * 32).decode()
    created = await made(client, secret=key.rstrip("="))
    assert created["secret"] == "whsec_" + key


@pytest.mark.parametrize(
    ("body", "problem", "detail"),
    [
        ({"events": ["order.teleported"]}, "invalid-input", "order.reserved, order.paid"),
        ({"events": ["order.paid", "nope"]}, "invalid-input", "the known ones"),
        ({"events": ["*", "order.paid"]}, "invalid-input", "alone"),
        ({"events": []}, "validation-error", ""),
        ({"events": [""]}, "invalid-input", "the known ones"),
        ({"secret": "whsec_" + base64.b64encode(b"k" * 23).decode()}, "invalid-input", "24 bytes"),
        ({"secret": "whsec_c2hvcnQ="}, "invalid-input", "at least 24 bytes; this one has 5"),
        ({"secret": "whsec_short"}, "invalid-input", "base64"),
        ({"secret": "not-base64-at-all!!"}, "invalid-input", "base64"),
        ({"secret": "x" * 201}, "validation-error", ""),
        ({"url": "ftp://127.0.0.1/"}, "webhook-url-not-allowed", "http or https"),
        ({"url": "not a url"}, "webhook-url-not-allowed", ""),
        ({"url": "https://" + "a" * 2050}, "validation-error", ""),
        ({"url": "https://exa\u0000mple.com/"}, "validation-error", ""),
        ({"url": 7}, "validation-error", ""),
        ({"extra": 1}, "validation-error", ""),
    ],
)
async def test_bad_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], problem: str, detail: str
) -> None:
    answer = await client.post(WEBHOOKS, headers=ADMIN, json={**GOOD, **body})
    assert_problem(answer, 422, problem)
    assert detail in answer.json()["detail"]
    assert await listed(client) == []


@pytest.fixture
async def production(shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    """The same shop's API with production's URL policy, DNS answered by a dictionary."""
    resolver = FakeResolver(
        {
            "hooks.example.com": ["93.184.216.34"],
            "internal.example.com": ["93.184.216.34", "10.0.0.5"],
        }
    )
    shop.webhooks = Subscriptions(shop.store, shop.clock, resolver, development=False)
    app = create_app(shop)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # https only
        "https://127.0.0.1/in",
        "https://[::1]/in",
        "https://[::ffff:10.0.0.1]/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/in",
        "https://192.168.1.20:8443/in",
        "https://internal.example.com/in",  # one of its addresses is private
        "https://nowhere.example.com/in",  # resolves to nothing
    ],
)
async def test_production_refuses_urls_into_the_shops_network(
    production: httpx.AsyncClient, url: str
) -> None:
    answer = await production.post(WEBHOOKS, headers=ADMIN, json={**GOOD, "url": url})
    assert_problem(answer, 422, "webhook-url-not-allowed")
    assert (await production.get(WEBHOOKS, headers=ADMIN)).json()["webhooks"] == []
    problem_page = await production.get("/problems/webhook-url-not-allowed")
    assert problem_page.status_code == 200


async def test_production_takes_a_public_https_url(production: httpx.AsyncClient) -> None:
    created = await production.post(
        WEBHOOKS, headers=ADMIN, json={**GOOD, "url": "https://hooks.example.com/in"}
    )
    assert created.status_code == 201, created.text
    moved = await production.patch(
        f"{WEBHOOKS}/{created.json()['id']}", headers=ADMIN, json={"url": "https://10.0.0.1/"}
    )
    assert_problem(moved, 422, "webhook-url-not-allowed")
    kept = await production.get(f"{WEBHOOKS}/{created.json()['id']}", headers=ADMIN)
    assert kept.json()["url"] == "https://hooks.example.com/in"


def pending(n: int, hook: str) -> Delivery:
    return Delivery(
        id=f"dlv_{n}",
        subscription_id=hook,
        event_id=f"evt_{n:012d}",
        position=EventCursor(0, n),
        order_id=f"ord_{n}",
        kind="order.paid",
        body=b"{}",
        status=DeliveryStatus.PENDING,
        created_at=T0,
        next_attempt_at=T0,
    )


async def test_deliveries_are_read_by_status_and_a_dead_one_retried(
    client: httpx.AsyncClient, shop: Shop, clock: ManualClock
) -> None:
    created = await made(client)
    hook = created["id"]
    deliveries = [pending(n, hook) for n in (1, 2, 3)]
    assert await shop.store.fan_out_webhook_deliveries(deliveries, EventCursor(), EventCursor(0, 3))
    claimed = await shop.store.claim_webhook_deliveries(T0, T0, 2)
    await shop.store.record_webhook_attempts(
        [Attempt(d.id, 1, T0, DeliveryStatus.FAILED, None, 500, "HTTP 500: no") for d in claimed]
    )
    failed = await client.get(
        f"{WEBHOOKS}/{hook}/deliveries", headers=ADMIN, params={"status": "failed"}
    )
    assert failed.status_code == 200, failed.text
    page = failed.json()
    assert [d["id"] for d in page["deliveries"]] == ["dlv_2", "dlv_1"]
    assert page["deliveries"][0]["last_error"] == "HTTP 500: no"
    assert page["deliveries"][0]["event_id"] == "evt_000000000002"
    assert page["next_before"] is None
    first = await client.get(f"{WEBHOOKS}/{hook}/deliveries", headers=ADMIN, params={"limit": "1"})
    assert first.json()["next_before"] == "dlv_3"
    older = await client.get(
        f"{WEBHOOKS}/{hook}/deliveries", headers=ADMIN, params={"before": "dlv_3"}
    )
    assert [d["id"] for d in older.json()["deliveries"]] == ["dlv_2", "dlv_1"]

    retried = await client.post(f"{WEBHOOKS}/{hook}/deliveries/dlv_1/retry", headers=ADMIN)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    again = await client.post(f"{WEBHOOKS}/{hook}/deliveries/dlv_1/retry", headers=ADMIN)
    assert_problem(again, 409, "conflict")
    missing = await client.post(f"{WEBHOOKS}/{hook}/deliveries/dlv_9/retry", headers=ADMIN)
    assert_problem(missing, 404, "not-found")
    elsewhere = await client.post(f"{WEBHOOKS}/whk_none/deliveries/dlv_1/retry", headers=ADMIN)
    assert_problem(elsewhere, 404, "not-found")


@pytest.mark.parametrize(
    "query", [{"status": "dead"}, {"limit": "0"}, {"limit": "1001"}, {"limit": "ten"}]
)
async def test_bad_delivery_queries_are_422(
    client: httpx.AsyncClient, query: dict[str, str]
) -> None:
    hook = (await made(client))["id"]
    answer = await client.get(f"{WEBHOOKS}/{hook}/deliveries", headers=ADMIN, params=query)
    assert_problem(answer, 422, "validation-error")


async def test_unknown_webhooks_are_404(client: httpx.AsyncClient) -> None:
    for method, path, body in [
        ("GET", f"{WEBHOOKS}/whk_none", None),
        ("PATCH", f"{WEBHOOKS}/whk_none", {"active": False}),
        ("DELETE", f"{WEBHOOKS}/whk_none", None),
        ("GET", f"{WEBHOOKS}/whk_none/deliveries", None),
    ]:
        answer = await client.request(method, path, headers=ADMIN, json=body)
        assert_problem(answer, 404, "not-found")


async def test_webhooks_are_the_operators_not_a_customers(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    fan = await sign_up("fan@example.com")
    assert_problem(await client.post(WEBHOOKS, headers=fan, json=GOOD), 403, "forbidden")
    assert_problem(await client.get(WEBHOOKS), 401, "authentication-failed")
    assert await listed(client) == []
