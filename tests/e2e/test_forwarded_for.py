"""Behind a load balancer every buyer would arrive from the balancer's address: a real server
believes X-Forwarded-For from the proxies FLASHSALE_FORWARDED_ALLOW_IPS names, and from nobody
else. Seen through the room's cap of one customer per address."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from flashsale.lab.devtools.server_process import running_server
from tests.e2e.live import (
    add_india,
    create_band_sale,
    json_of,
    register_fans,
    server_env,
    set_waiting_room,
    sign_up_fans,
)

pytestmark = pytest.mark.slow

FORWARDED = ("203.0.113.7", "203.0.113.8")  # two buyers behind one proxy on 127.0.0.1


async def join_through_proxy(env: dict[str, str], tmp_path: Path) -> list[tuple[int, Any]]:
    """Two fans join the queue of a sale capped at one customer per address, each forwarded
    from its own address by the proxy the test plays; returns both answers."""
    with running_server(env, log_path=tmp_path / "server.log") as server:
        url = server.url
        async with aiohttp.ClientSession() as http:
            await add_india(http, url)
            fans = await sign_up_fans(http, url, 2, prefix=f"xff{time.time_ns()}-")
            sale = await create_band_sale(http, url, stock=5, opens_in=120, payment_window=60)
            sale_id = sale["id"]
            await set_waiting_room(http, url, sale_id, registrations_per_address=1)
            await register_fans(http, url, sale_id, fans)
            answers = []
            for headers, address in zip(fans, FORWARDED, strict=True):
                async with http.post(
                    f"{url}/api/v1/sales/{sale_id}/queue",
                    headers={**headers, "X-Forwarded-For": address},
                ) as answer:
                    answers.append((answer.status, await json_of(answer)))
            return answers


async def test_a_named_proxy_forwards_each_buyer_s_own_address(tmp_path: Path) -> None:
    env = server_env(tmp_path / "sale.db", FLASHSALE_FORWARDED_ALLOW_IPS="127.0.0.1")
    answers = await join_through_proxy(env, tmp_path)
    assert [status for status, _ in answers] == [201, 201], answers


async def test_a_forged_forwarded_address_is_not_believed(tmp_path: Path) -> None:
    answers = await join_through_proxy(server_env(tmp_path / "sale.db"), tmp_path)
    (first, _), (second, problem) = answers
    assert first == 201, answers
    # Both came from 127.0.0.1 whatever the header said: the cap of one counts them together.
    assert second == 403, answers
    assert problem["type"] == "/problems/address-cap-reached", problem
