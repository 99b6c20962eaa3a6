"""The rehearsal harness marks each sale it creates as a rehearsal, so the sales report keeps
its orders apart from real sales: in process (through the service) and against a server
(through ``PUT /api/v1/admin/reports/rehearsals/{sale_id}``)."""

from __future__ import annotations

import aiohttp

from flashsale.lab.rehearsal.in_process import in_process_stage
from flashsale.lab.rehearsal.remote import remote_stage
from flashsale.lab.rehearsal.scenario import chosen
from tests.conftest import fast_settings


async def newly_marked(http: aiohttp.ClientSession, url: str, token: str, sale_id: str) -> bool:
    async with http.put(
        f"{url}/api/v1/admin/reports/rehearsals/{sale_id}",
        headers={"Authorization": f"Bearer {token}"},
    ) as answer:
        assert answer.status == 200, await answer.text()
        marked = (await answer.json())["newly_marked"]
        assert isinstance(marked, bool)
        return marked


async def test_the_harness_marks_its_sales_as_rehearsals() -> None:
    scenario = chosen("quick", fans=3, stock=2, sales=2, over_http=False)
    async with in_process_stage(fast_settings(), scenario) as stage:
        assert len(stage.rounds) == 2
        async with aiohttp.ClientSession() as http:
            for sale in stage.rounds:  # marked already: a second mark is not new
                assert not await newly_marked(http, stage.url, stage.admin_token, sale.sale_id)
            # The same harness against that server, over its API.
            async with remote_stage(stage.url, stage.admin_token, scenario) as remote:
                for sale in remote.rounds:
                    assert not await newly_marked(http, stage.url, stage.admin_token, sale.sale_id)
