"""Floods at the log-in and sign-up doors, over ASGITransport with each client at its own address:
429 with Retry-After for the flooder while everyone else gets in, per address and per account, at
the API, the storefront and the console; 503 when the password hashing is at its bound."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from tests.conftest import fast_settings
from tests.e2e.conftest import T0
from tests.e2e.test_web_pages import form_post

PASSWORD = "mi-fan-2015"
ADMIN_TOKEN = "test-admin-token-of-the-suite"
# Tight limits: 5 attempts at once per address and per account, 3 failures; then one a minute.
TIGHT: dict[str, Any] = {
    "auth_address_attempts": 5,
    "auth_address_attempts_per_minute": 1,
    "auth_account_attempts": 5,
    "auth_account_attempts_per_minute": 1,
    "auth_address_failures": 3,
    "auth_address_failures_per_minute": 1,
    "auth_account_failures": 3,
    "auth_account_failures_per_minute": 1,
}

Clients = Callable[[str], httpx.AsyncClient]


@contextlib.asynccontextmanager
async def shop_at(clock: ManualClock, **settings: Any) -> AsyncIterator[tuple[Shop, Clients]]:
    """A shop with India and the customer asha@example.com; ``clients(address)`` gives a
    client calling from that address (one cookie jar per address)."""
    shop = await build_shop(fast_settings(**settings), clock=clock)
    await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
    await shop.accounts.sign_up("asha@example.com", PASSWORD, "IN")
    app = create_app(shop)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        stack.push_async_callback(shop.aclose)
        opened: dict[str, httpx.AsyncClient] = {}

        def clients(address: str) -> httpx.AsyncClient:
            if address not in opened:
                transport = httpx.ASGITransport(app=app, client=(address, 40000))
                opened[address] = httpx.AsyncClient(
                    transport=transport, base_url="http://shop.test"
                )
                stack.push_async_callback(opened[address].aclose)
            return opened[address]

        yield shop, clients


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/sessions", json={"email": email, "password": password})


def assert_too_many(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/too-many-attempts"
    return int(answer.headers["Retry-After"])


def assert_page_too_many(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "Too many attempts" in answer.text
    return int(answer.headers["Retry-After"])


async def test_a_flood_from_one_address_is_refused_while_another_logs_in_promptly(
    clock: ManualClock,
) -> None:
    # A hash that costs something (about 15 ms here): unlimited, the flood's 300 of them queue
    # on a few threads ahead of the real customer's for seconds.
    costly = {"password_time_cost": 2, "password_memory_cost_kib": 16384}
    async with shop_at(clock, **TIGHT, **costly) as (_, clients):
        flooder, asha = clients("203.0.113.7"), clients("198.51.100.20")
        flood = [
            asyncio.create_task(log_in(flooder, f"user{n}@example.com", "password1"))
            for n in range(300)
        ]
        await asyncio.sleep(0)  # the flood is in flight
        started = time.perf_counter()
        answer = await log_in(asha, "asha@example.com", PASSWORD)
        took = time.perf_counter() - started
        answers = await asyncio.gather(*flood)

    assert answer.status_code == 200, answer.text
    assert took < 1.0, f"the real log-in waited {took:.2f} s"
    statuses = Counter(a.status_code for a in answers)
    # Five attempts at once from the address were checked: three failed within the failure
    # budget, two past it. The rest were refused before any hash.
    assert statuses == {401: 3, 429: 297}, statuses
    waits = {assert_too_many(a) for a in answers if a.status_code == 429}
    assert waits and all(1 <= wait <= 60 for wait in waits)


async def test_an_account_is_limited_across_addresses(clock: ManualClock) -> None:
    async with shop_at(clock, **TIGHT) as (_, clients):
        for n in range(3):
            guess = await log_in(clients(f"10.1.0.{n}"), "asha@example.com", f"guess-{n}-x")
            assert guess.status_code == 401, guess.text
        # The account's failures are used up, whatever the address, even for the right password.
        assert_too_many(await log_in(clients("10.1.0.3"), "ASHA@example.com", "guess-3-x"))
        wait = assert_too_many(await log_in(clients("10.1.0.4"), "asha@example.com", PASSWORD))
        assert wait == 60

        other = await clients("10.1.0.4").post(
            "/api/v1/customers",
            json={"email": "ravi@example.com", "password": PASSWORD, "market": "IN"},
        )
        assert other.status_code == 201, other.text
        assert (await log_in(clients("10.1.0.4"), "ravi@example.com", PASSWORD)).status_code == 200

        clock.advance(wait)
        assert (await log_in(clients("10.1.0.5"), "asha@example.com", PASSWORD)).status_code == 200


async def test_the_account_limit_holds_across_processes_sharing_redis(
    clock: ManualClock, redis_server_url: str
) -> None:
    # Fresh names: the buckets outlive the test in Redis for a few minutes.
    run = secrets.token_hex(4)
    fan = f"asha-{run}@example.com"
    shared = {"redis_url": redis_server_url, **TIGHT}
    async with (
        shop_at(clock, **shared) as (one, api_one),
        shop_at(clock, **shared) as (two, api_two),
    ):
        for shop in (one, two):
            await shop.accounts.sign_up(fan, PASSWORD, "IN")
        for n, api in enumerate((api_one, api_two, api_one)):
            guess = await log_in(api(f"{run}-{n}"), fan, f"guess-{n}-x")
            assert guess.status_code == 401, guess.text
        # The second process saw one failure of the three; the shared bucket knows all three.
        assert_too_many(await log_in(api_two(f"{run}-3"), fan, "guess-3-x"))
        assert_too_many(await log_in(api_two(f"{run}-4"), fan, PASSWORD))


async def test_sign_ups_from_one_address_are_limited(clock: ManualClock) -> None:
    async with shop_at(clock, **TIGHT) as (_, clients):
        flooder = clients("203.0.113.9")

        async def sign_up(n: int) -> httpx.Response:
            body = {"email": f"new{n}@example.com", "password": PASSWORD, "market": "IN"}
            return await flooder.post("/api/v1/customers", json=body)

        answers = [await sign_up(n) for n in range(8)]
        assert [a.status_code for a in answers] == [201] * 5 + [429] * 3
        assert_too_many(answers[-1])


async def test_the_storefront_pages_refuse_with_an_error_page(clock: ManualClock) -> None:
    async with shop_at(clock, **TIGHT) as (_, clients):
        guesser = clients("203.0.113.11")
        login = {"email": "asha@example.com", "password": "wrong-password"}
        for _ in range(3):
            answer = await form_post(guesser, "/login", "/login", login)
            assert answer.status_code == 401, answer.text
        assert_page_too_many(await form_post(guesser, "/login", "/login", login))
        right = {"email": "asha@example.com", "password": PASSWORD}
        assert_page_too_many(await form_post(guesser, "/login", "/login", right))
        signup = {"email": "new@example.com", "password": PASSWORD, "market": "IN"}
        assert_page_too_many(await form_post(guesser, "/signup", "/signup", signup))

        elsewhere = clients("198.51.100.30")
        assert (await form_post(elsewhere, "/signup", "/signup", signup)).status_code == 303


async def test_the_console_login_is_limited_per_address(clock: ManualClock) -> None:
    async with shop_at(clock, **TIGHT) as (_, clients):
        guesser = clients("203.0.113.13")
        for n in range(3):
            wrong = await form_post(
                guesser, "/console/login", "/console/login", {"token": f"guess-{n}"}
            )
            assert wrong.status_code == 401, wrong.text
        right = {"token": ADMIN_TOKEN}
        assert_page_too_many(await form_post(guesser, "/console/login", "/console/login", right))
        assert "fs_console" not in guesser.cookies

        admin = clients("198.51.100.40")
        answer = await form_post(admin, "/console/login", "/console/login", right)
        assert answer.status_code == 303, answer.text

        clock.advance(60)
        answer = await form_post(guesser, "/console/login", "/console/login", right)
        assert answer.status_code == 303, answer.text


async def test_logins_past_the_hashing_bound_get_503_busy(clock: ManualClock) -> None:
    bound = {"password_hash_concurrency": 1, "password_hash_queue": 0}
    async with shop_at(clock, **bound) as (_, clients):
        fans = [clients(f"10.2.0.{n}") for n in range(10)]
        answers = await asyncio.gather(*(log_in(fan, "asha@example.com", PASSWORD) for fan in fans))
        statuses = Counter(a.status_code for a in answers)
        assert statuses[200] >= 1 and statuses[503] >= 1, statuses
        assert set(statuses) == {200, 503}, statuses
        for busy in (a for a in answers if a.status_code == 503):
            assert busy.headers["Retry-After"] == "1"
            assert busy.json()["type"] == "/problems/busy"
        # Once the running hash is done, the next log-in gets its turn.
        assert (await log_in(fans[0], "asha@example.com", PASSWORD)).status_code == 200
