"""Logging out ends the session on the server, not only in the browser: its token is refused
by the API and the pages alike, on every record; so is every token after log-out-everywhere
or a new password, and the console's cookie after the console's log-out."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import httpx
import pytest

from flashsale.lab.devtools.server_process import ServerProcess
from tests.contract.conftest import migrated_postgres_database
from tests.e2e import backends
from tests.e2e.live import add_india, server_env, sign_up_fans
from tests.e2e.test_bad_input import assert_problem
from tests.e2e.test_page_security import log_in_to_console
from tests.e2e.test_web_pages import PASSWORD, form_post, sign_up

shop = backends.shop
postgres_url = backends.postgres_url
ME = "/api/v1/orders"  # any customer route answers 401 for an ended session


async def api_session(client: httpx.AsyncClient, email: str = "asha@example.com") -> str:
    body = {"email": email, "password": PASSWORD}
    answer = await client.post("/api/v1/sessions", json=body)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_logging_out_over_the_api_ends_that_token_only(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    phone, laptop = await api_session(client), await api_session(client)
    assert (await client.delete("/api/v1/sessions", headers=bearer(phone))).status_code == 204
    assert_problem(await client.get(ME, headers=bearer(phone)), 401, "authentication-failed")
    assert (await client.get(ME, headers=bearer(laptop))).status_code == 200
    again = await client.delete("/api/v1/sessions", headers=bearer(phone))
    assert_problem(again, 401, "authentication-failed")


async def test_logging_out_everywhere_ends_every_token_of_the_customer_only(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client)
    tokens = [await api_session(client) for _ in range(3)]
    await sign_up(client, "ravi@example.com")
    ravi = await api_session(client, "ravi@example.com")
    ended = await client.delete("/api/v1/customers/me/sessions", headers=bearer(tokens[0]))
    assert ended.status_code == 204, ended.text
    for token in tokens:
        assert (await client.get(ME, headers=bearer(token))).status_code == 401
    assert (await client.get(ME, headers=bearer(ravi))).status_code == 200
    assert (await client.get(ME, headers=bearer(await api_session(client)))).status_code == 200


async def test_a_new_password_ends_every_other_session(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    old, other = await api_session(client), await api_session(client)
    url = "/api/v1/customers/me/password"
    wrong = {"current_password": "not-my-password", "new_password": "a-brand-new-one"}
    assert_problem(await client.put(url, headers=bearer(old), json=wrong), 403, "forbidden")
    short = {"current_password": PASSWORD, "new_password": "short"}
    assert_problem(await client.put(url, headers=bearer(old), json=short), 422, "invalid-input")
    assert (await client.get(ME, headers=bearer(other))).status_code == 200  # nothing changed
    body = {"current_password": PASSWORD, "new_password": "a-brand-new-one"}
    changed = await client.put(url, headers=bearer(old), json=body)
    assert changed.status_code == 200, changed.text
    for token in (old, other):
        assert (await client.get(ME, headers=bearer(token))).status_code == 401
    assert (await client.get(ME, headers=bearer(changed.json()["token"]))).status_code == 200
    refused = await client.post(
        "/api/v1/sessions", json={"email": "asha@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 401


async def test_logging_out_of_the_pages_ends_the_token_the_cookie_held(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client)
    token = client.cookies["fs_session"]
    assert (await client.get(ME, headers=bearer(token))).status_code == 200
    done = await form_post(client, "/orders", "/logout", {})
    assert done.status_code == 303, done.text
    assert (await client.get(ME, headers=bearer(token))).status_code == 401
    # The old cookie, kept by a copy of it, no longer opens the pages either.
    client.cookies.set("fs_session", token)
    kept = await client.get("/orders")
    assert kept.status_code == 303 and kept.headers["location"].startswith("/login")


async def test_logging_out_of_the_console_ends_that_console_session(
    client: httpx.AsyncClient,
) -> None:
    await log_in_to_console(client)
    cookie = client.cookies["fs_console"]
    assert (await client.get("/console/sales")).status_code == 200
    done = await form_post(client, "/console/sales", "/console/logout", {})
    assert done.status_code == 303, done.text
    client.cookies.set("fs_console", cookie)  # a copy of the cookie kept from before
    kept = await client.get("/console/sales")
    assert kept.status_code == 303 and kept.headers["location"].startswith("/console/login")


@pytest.mark.postgres
async def test_a_session_ended_on_one_server_is_refused_by_the_other_within_its_poll(
    tmp_path: Path, postgres_server_url: str
) -> None:
    async with migrated_postgres_database(postgres_server_url) as database_url:
        env = server_env(
            tmp_path / "unused.db",
            FLASHSALE_DATABASE_URL=database_url,
            FLASHSALE_SESSION_REVOCATION_POLL_SECONDS="0.2",
        )
        servers = [ServerProcess(env, log_path=tmp_path / f"server{i}.log") for i in range(2)]
        try:
            for server in servers:
                server.start()
            one, two = (server.url for server in servers)
            async with aiohttp.ClientSession() as http:
                await add_india(http, one)
                (fan,) = await sign_up_fans(http, one, 1)
                async with http.get(f"{two}{ME}", headers=fan) as answer:
                    assert answer.status == 200
                async with http.delete(f"{one}/api/v1/sessions", headers=fan) as answer:
                    assert answer.status == 204
                # The other polls the record every 0.2 s; a busy machine may take far longer.
                deadline = time.monotonic() + 30
                while True:
                    async with http.get(f"{two}{ME}", headers=fan) as answer:
                        if answer.status == 401:
                            break
                        assert answer.status == 200
                    assert time.monotonic() < deadline, "the other server never learnt of it"
                    await asyncio.sleep(0.1)
        finally:
            for server in servers:
                server.stop()
