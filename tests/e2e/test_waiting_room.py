"""The waiting room over HTTP (in-process app, memory and SQLite): nobody skips the queue, a
flood from one address is throttled while others buy, and the published order checks out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop
from flashsale.cli.app import app as cli
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
    during = (await client.get(f"/api/v1/sales/{sale_id}/queue/fairness")).json()
    assert not during["revealed"] and during["seed"] is None and len(during["positions"]) == 6
    clock.set(T0 + timedelta(hours=3))  # closed
    after = (await client.get(f"/api/v1/sales/{sale_id}/queue/fairness")).json()
    assert after["revealed"] and after["commitment"] == room["commitment"]
    assert after["verification"]["ok"] and after["verification"]["checked"] == 6
    database_url = shop.settings.database_url
    if not database_url.startswith("sqlite"):
        return
    await shop.purchasing.drain()
    runner = CliRunner()
    command = ["--database-url", database_url, "sale", "verify-queue", sale_id]
    # The command runs its own event loop: in a thread, as from a shell.
    verified = await asyncio.to_thread(runner.invoke, cli, command)
    assert verified.exit_code == 0, verified.output
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
