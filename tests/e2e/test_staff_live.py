"""Staff sessions across real ``flashsale serve`` processes sharing one PostgreSQL record: a
member disabled by the command line, or logged out on one server, is refused by every server
within its poll."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from flashsale.lab.devtools.server_process import ServerProcess
from tests.contract.conftest import migrated_postgres_database
from tests.e2e.live import ADMIN, server_env

pytestmark = pytest.mark.postgres

STAFF = "/api/v1/admin/staff"
SESSIONS = "/api/v1/staff-sessions"
PASSWORD = "staff-pass-2015"


async def refused_everywhere(
    http: aiohttp.ClientSession, urls: list[str], headers: dict[str, str]
) -> None:
    """Every server answers 401 for the session, soon (a busy machine may take long)."""
    deadline = time.monotonic() + 30
    for url in urls:
        while True:
            async with http.get(f"{url}{STAFF}", headers=headers) as answer:
                if answer.status == 401:
                    break
                assert answer.status == 200, await answer.text()
            assert time.monotonic() < deadline, f"{url} never learnt of it"
            await asyncio.sleep(0.1)


async def staff_session(http: aiohttp.ClientSession, url: str, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD}
    async with http.post(f"{url}{SESSIONS}", json=body) as answer:
        assert answer.status == 200, await answer.text()
        return {"Authorization": f"Bearer {(await answer.json())['token']}"}


async def test_ended_staff_sessions_are_refused_by_every_server(
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
            urls = [server.url for server in servers]
            one, two = urls
            async with aiohttp.ClientSession() as http:
                for email in ("asha@shop.example", "ravi@shop.example"):
                    body = {"email": email, "password": PASSWORD, "roles": ["supervisor"]}
                    async with http.post(f"{one}{STAFF}", headers=ADMIN, json=body) as answer:
                        assert answer.status == 201, await answer.text()
                asha = await staff_session(http, one, "asha@shop.example")
                ravi = await staff_session(http, two, "ravi@shop.example")
                for url in urls:
                    for member in (asha, ravi):
                        async with http.get(f"{url}{STAFF}", headers=member) as answer:
                            assert answer.status == 200

                async with http.delete(f"{one}{SESSIONS}", headers=asha) as answer:
                    assert answer.status == 204
                await refused_everywhere(http, urls, asha)

                command = await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "flashsale", "staff", "disable", "ravi@shop.example"),
                    env={**os.environ, **env},
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                _, stderr = await asyncio.wait_for(command.communicate(), 120)
                assert command.returncode == 0, stderr.decode()
                await refused_everywhere(http, urls, ravi)
        finally:
            for server in servers:
                server.stop()
