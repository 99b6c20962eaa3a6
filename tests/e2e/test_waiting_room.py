"""The waiting room over HTTP (in-process app, memory and SQLite): nobody skips the queue, a
flood from one address is throttled while others buy, and the published order checks out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop
from flashsale.cli.app import app as cli
from flashsale.http import room_api
from flashsale.kernel.clock import ManualClock
from tests.e2e.conftest import ADMIN, T0, Headers

OPENS = T0 + timedelta(hours=1, minutes=30)
ClientAt = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def client_at(shop: Shop) -> AsyncIterator[ClientAt]:
    """Clients of one running app, each from its own address."""
    app = create_app(shop)
    clients: list[httpx.AsyncClient] = []

    def at(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://shop.test"))
        return clients[-1]

    async with app.router.lifespan_context(app):
        yield at
        for c in clients:
            await c.aclose()


async def crowd(
    client: httpx.AsyncClient,
    sign_up: Callable[[str], Awaitable[Headers]],
    sale_id: str,
    n: int,
    prefix: str,
) -> list[Headers]:
    fans = [await sign_up(f"{prefix}{i}@example.com") for i in range(n)]
    for headers in fans:
        answer = await client.post(f"/api/v1/sales/{sale_id}/registrations", headers=headers)
        assert answer.status_code == 201, answer.text
    return fans


async def enforce(client: httpx.AsyncClient, sale_id: str, **settings: Any) -> dict[str, Any]:
    answer = await client.put(
        f"/api/v1/admin/sales/{sale_id}/waiting-room", headers=ADMIN, json=settings
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def admit(shop: Shop, clock: ManualClock) -> None:
    clock.set(OPENS)
    await shop.room.tick()
    clock.advance(1)
    await shop.room.tick()


async def test_a_sale_created_without_a_room_sells_without_a_token(
    client: httpx.AsyncClient,
    sign_up: Callable[[str], Awaitable[Headers]],
    create_sale: Callable[..., Awaitable[dict[str, Any]]],
    clock: ManualClock,
) -> None:
    sale = await create_sale()
    (fan,) = await crowd(client, sign_up, sale["id"], 1, "open")
    clock.set(OPENS)
    bought = await client.post(f"/api/v1/sales/{sale['id']}/purchases", headers=fan)
    assert bought.status_code == 201, bought.text
    queue = await client.get(f"/api/v1/sales/{sale['id']}/queue", headers=fan)
    assert queue.status_code == 404 and queue.json()["type"] == "/problems/no-waiting-room"


async def test_nobody_skips_the_queue_and_a_token_buys_once(
    client: httpx.AsyncClient,
    sign_up: Callable[[str], Awaitable[Headers]],
    create_sale: Callable[..., Awaitable[dict[str, Any]]],
    clock: ManualClock,
    shop: Shop,
) -> None:
    sale = await create_sale(stock=5)
    sale_id = sale["id"]
    room = await enforce(client, sale_id, admission_rate_per_second=10)
    assert len(room["commitment"]) == 64
    alice, bob = await crowd(client, sign_up, sale_id, 2, "q")
    clock.set(OPENS - timedelta(minutes=1))
    joined = await client.post(f"/api/v1/sales/{sale_id}/queue", headers=alice)
    assert joined.status_code == 201 and joined.json()["state"] == "pre_queue"
    again = await client.post(f"/api/v1/sales/{sale_id}/queue", headers=alice)
    assert again.status_code == 200
    await admit(shop, clock)
    purchases = f"/api/v1/sales/{sale_id}/purchases"
    skipped = await client.post(purchases, headers=bob)
    assert skipped.status_code == 403
    assert skipped.headers["content-type"] == "application/problem+json"
    assert skipped.json()["type"] == "/problems/admission-required"
    assert skipped.json()["detail"] == (
        "this sale admits buyers through its waiting room: join the queue"
        f" (POST /api/v1/sales/{sale_id}/queue) and buy with the admission token"
        " in the Admission-Token header"
    )
    forged = await client.post(purchases, headers={**bob, "Admission-Token": "forged.token"})
    assert forged.json()["type"] == "/problems/admission-token-invalid"
    status = (await client.get(f"/api/v1/sales/{sale_id}/queue", headers=alice)).json()
    assert status["state"] == "admitted" and status["position"] == 1
    token = status["admission_token"]
    # A malformed purchase is refused before the admission is spent: the buyer keeps the turn.
    malformed = await client.post(
        purchases, headers={**alice, "Admission-Token": token}, json={"quantity": "many"}
    )
    assert malformed.status_code == 422, malformed.text
    stolen = await client.post(purchases, headers={**bob, "Admission-Token": token})
    assert stolen.status_code == 403
    assert stolen.json()["type"] == "/problems/admission-token-not-yours"
    bought = await client.post(purchases, headers={**alice, "Admission-Token": token})
    assert bought.status_code == 201, bought.text
    reused = await client.post(purchases, headers={**alice, "Admission-Token": token})
    assert reused.status_code == 403
    assert reused.json()["type"] == "/problems/admission-token-used"
    described = await client.get("/problems/admission-token-used")
    assert described.status_code == 200 and described.json()["status"] == 403
    # an admission lapses with its token
    late = await client.post(f"/api/v1/sales/{sale_id}/queue", headers=bob)
    assert late.json()["position"] == 2
    await shop.room.tick()
    clock.advance(1)
    await shop.room.tick()
    bobs = (await client.get(f"/api/v1/sales/{sale_id}/queue", headers=bob)).json()
    clock.advance(room["token_lifetime_seconds"] + 1)
    expired = await client.post(
        purchases, headers={**bob, "Admission-Token": bobs["admission_token"]}
    )
    assert expired.json()["type"] == "/problems/admission-token-expired"


async def test_a_join_without_a_proof_is_told_where_to_get_a_challenge(
    client: httpx.AsyncClient,
    sign_up: Callable[[str], Awaitable[Headers]],
    create_sale: Callable[..., Awaitable[dict[str, Any]]],
) -> None:
    sale_id = (await create_sale())["id"]
    await enforce(client, sale_id, pow_difficulty=8)
    (fan,) = await crowd(client, sign_up, sale_id, 1, "pow")
    queue = f"/api/v1/sales/{sale_id}/queue"
    bare = await client.post(queue, headers=fan)
    assert bare.status_code == 403 and bare.json()["type"] == "/problems/proof-of-work-required"
    assert (
        bare.json()["detail"] == f"solve a challenge of difficulty 8 first (GET {queue}/challenge)"
    )
    forged = await client.post(queue, headers=fan, json={"challenge": "forged", "nonce": "1"})
    assert forged.status_code == 403
    assert forged.json()["detail"] == "the challenge is not valid or expired; ask for a new one"


async def test_a_flood_from_one_address_is_throttled_while_others_buy(
    client_at: ClientAt,
    sign_up: Callable[[str], Awaitable[Headers]],
    create_sale: Callable[..., Awaitable[dict[str, Any]]],
    clock: ManualClock,
    shop: Shop,
    client: httpx.AsyncClient,
) -> None:
    sale = await create_sale(stock=10)
    sale_id = sale["id"]
    await enforce(client, sale_id, address_requests_per_second=2, customer_requests_per_second=50)
    bot_client, *fan_clients = [client_at(f"192.0.2.{i}") for i in range(4)]
    bots = await crowd(client, sign_up, sale_id, 3, "bot")
    fans = await crowd(client, sign_up, sale_id, 3, "fan")
    clock.set(OPENS - timedelta(seconds=1))
    for headers, c in [*zip(fans, fan_clients, strict=True), (bots[0], bot_client)]:
        joined = await c.post(f"/api/v1/sales/{sale_id}/queue", headers=headers)
        assert joined.status_code == 201, joined.text
    await admit(shop, clock)
    purchases = f"/api/v1/sales/{sale_id}/purchases"
    flood = await asyncio.gather(
        *(bot_client.post(purchases, headers=bots[i % 3]) for i in range(40))
    )
    throttled = [r for r in flood if r.status_code == 429]
    assert len(throttled) >= 35, [r.status_code for r in flood]
    assert all(int(r.headers["Retry-After"]) >= 1 for r in throttled)
    assert throttled[0].json()["type"] == "/problems/too-many-requests"
    for headers, c in zip(fans, fan_clients, strict=True):
        status = (await c.get(f"/api/v1/sales/{sale_id}/queue", headers=headers)).json()
        bought = await c.post(
            purchases, headers={**headers, "Admission-Token": status["admission_token"]}
        )
        assert bought.status_code == 201, bought.text


async def test_the_published_order_is_verified_and_a_tampered_one_is_caught(
    client: httpx.AsyncClient,
    sign_up: Callable[[str], Awaitable[Headers]],
    create_sale: Callable[..., Awaitable[dict[str, Any]]],
    clock: ManualClock,
    shop: Shop,
) -> None:
    sale = await create_sale(stock=3)
    sale_id = sale["id"]
    room = await enforce(client, sale_id)
    fans = await crowd(client, sign_up, sale_id, 6, "v")
    clock.set(OPENS - timedelta(seconds=1))
    for headers in fans:
        await client.post(f"/api/v1/sales/{sale_id}/queue", headers=headers)
    await admit(shop, clock)
    statuses = [
        (await client.get(f"/api/v1/sales/{sale_id}/queue", headers=h)).json() for h in fans
    ]
    customer_ids = [status["customer_id"] for status in statuses]
    fairness_url = f"/api/v1/sales/{sale_id}/queue/fairness"
    during = await client.get(fairness_url)
    assert not during.json()["revealed"] and during.json()["seed"] is None
    assert len(during.json()["positions"]) == 6
    # The public report names no customer (their ids tell when each signed up) ...
    assert not any(c in during.text for c in customer_ids) and "cus_" not in during.text
    published = {p["pseudonym"]: p["position"] for p in during.json()["positions"]}
    # ... and each fan finds their own line in it, at the place the room gave them.
    for headers, status in zip(fans, statuses, strict=True):
        mine = await client.get(f"{fairness_url}/me", headers=headers)
        assert mine.status_code == 200, mine.text
        assert published[mine.json()["pseudonym"]] == mine.json()["position"] == status["position"]
    assert (await client.get(f"{fairness_url}/me")).status_code == 401
    clock.set(T0 + timedelta(hours=3))  # closed
    after = await client.get(fairness_url)
    assert after.json()["revealed"] and after.json()["commitment"] == room["commitment"]
    assert after.json()["verification"]["ok"] and after.json()["verification"]["checked"] == 6
    assert not any(c in after.text for c in customer_ids)
    database_url = shop.settings.database_url
    if not database_url.startswith("sqlite"):
        return
    await shop.purchasing.drain()
    runner = CliRunner()
    command = ["--database-url", database_url, "sale", "verify-queue", sale_id]
    # The command runs its own event loop: in a thread, as from a shell.
    verified = await asyncio.to_thread(runner.invoke, cli, command)
    assert verified.exit_code == 0, verified.output
    # A fan checks their own line: the pseudonym the seed gives their id, at their place.
    own = await asyncio.to_thread(runner.invoke, cli, [*command, "--customer", customer_ids[0]])
    assert own.exit_code == 0, own.output
    assert str(statuses[0]["position"]) in own.output
    stranger = await asyncio.to_thread(runner.invoke, cli, [*command, "--customer", "cus_nobody"])
    assert stranger.exit_code == 1 and "not in the published pre-queue" in stranger.output
    engine = create_engine(database_url.replace("+aiosqlite", ""))
    with engine.begin() as conn:  # swap the first two places behind the shop's back
        for was, becomes in ((1, 0), (2, 1), (0, 2)):
            conn.execute(
                text(
                    "UPDATE queue_positions SET position = :b WHERE sale_id = :s AND position = :w"
                ),
                {"s": sale_id, "w": was, "b": becomes},
            )
    engine.dispose()
    tampered = await asyncio.to_thread(runner.invoke, cli, command)
    assert tampered.exit_code == 1, tampered.output
    assert "does not match" in tampered.output


def read_events(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/event-stream")
    lines = answer.text.splitlines()
    return [orjson.loads(line[6:]) for line in lines if line.startswith("data: ")]


async def test_the_stream_opens_with_a_ticket_never_with_a_session_token_in_the_url(
    client: httpx.AsyncClient,
    sign_up: Callable[[str], Awaitable[Headers]],
    create_sale: Callable[..., Awaitable[dict[str, Any]]],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Streams that end by themselves at once: ASGITransport answers once the app has finished.
    monkeypatch.setattr(room_api, "STREAM_SECONDS", 0.2)
    monkeypatch.setattr(room_api, "HEARTBEAT_SECONDS", 0.05)
    sale_id, other_id, open_id = [(await create_sale())["id"] for _ in range(3)]
    for enforced in (sale_id, other_id):
        await enforce(client, enforced, customer_requests_per_second=100)
    (fan,) = await crowd(client, sign_up, sale_id, 1, "stream")
    clock.set(OPENS - timedelta(minutes=1))
    assert (await client.post(f"/api/v1/sales/{sale_id}/queue", headers=fan)).status_code == 201
    events = f"/api/v1/sales/{sale_id}/queue/events"
    token = fan["Authorization"].removeprefix("Bearer ")

    # The session token in the URL is refused, valid or not, even beside a valid header.
    for headers in ({}, fan):
        in_url = await client.get(events, params={"access_token": token}, headers=headers)
        assert in_url.status_code == 401, in_url.text
        assert "stream-tickets" in in_url.json()["detail"]
    assert (await client.get(events, params={"ticket": token})).status_code == 401

    tickets = f"/api/v1/sales/{sale_id}/queue/stream-tickets"
    assert (await client.post(tickets)).status_code == 401
    issued = await client.post(tickets, headers=fan)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert token not in body["events_url"] and body["events_url"].startswith(f"{events}?ticket=")
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires == clock.now() + timedelta(seconds=60)

    # The ticket alone, as EventSource sends it: no Authorization header.
    (first, *_) = read_events(await client.get(body["events_url"]))
    mine = (await client.get(f"/api/v1/sales/{sale_id}/queue", headers=fan)).json()
    assert first["customer_id"] == mine["customer_id"] and first["state"] == "pre_queue"
    # A client that sends headers may still open it with its bearer token.
    assert read_events(await client.get(events, headers=fan))

    ticket = {"ticket": body["ticket"]}
    elsewhere = await client.get(f"/api/v1/sales/{other_id}/queue/events", params=ticket)
    assert elsewhere.status_code == 401 and "another sale" in elsewhere.json()["detail"]
    forged = await client.get(events, params={"ticket": body["ticket"][:-2] + "xx"})
    assert forged.status_code == 401
    clock.advance(59)
    assert (await client.get(events, params=ticket)).status_code == 200
    clock.advance(2)
    expired = await client.get(events, params=ticket)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]

    no_room = await client.post(f"/api/v1/sales/{open_id}/queue/stream-tickets", headers=fan)
    assert no_room.status_code == 404 and no_room.json()["type"] == "/problems/no-waiting-room"
    document = (await client.get("/openapi.json")).json()
    ticket_operation = document["paths"]["/api/v1/sales/{sale_id}/queue/stream-tickets"]["post"]
    assert ticket_operation["security"] == [{"customerToken": []}]
    assert "201" in ticket_operation["responses"]
