"""``flashsale fulfil waves cut|ship|deliver`` and ``flashsale return list`` in process, on a
SQLite file of their own: a refused CSV exits non-zero naming its lines."""

from __future__ import annotations

import asyncio
from pathlib import Path

from flashsale.bootstrap import running_shop
from flashsale.catalog.market import Market
from tests.conftest import fast_settings
from tests.e2e.test_cli import Invoke, invoke

__all__ = ["invoke"]


async def india(database: Path) -> None:
    settings = fast_settings(database_url=f"sqlite+aiosqlite:///{database}")
    async with running_shop(settings) as shop:
        await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])


def test_waves_ship_deliver_and_returns_from_the_shell(invoke: Invoke, tmp_path: Path) -> None:
    assert invoke("return", "list").exit_code == 0  # the file made and migrated
    asyncio.run(india(tmp_path / "cli.db"))
    added = invoke(
        "location", "add", "DC-BLR", "--name", "Bengaluru", "--market", "IN",
        "--timezone", "Asia/Kolkata", "--regions", "IN-KA:1",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    nothing = invoke("fulfil", "waves", "cut", "--location", "DC-BLR")
    assert nothing.exit_code != 0 and "no allocated order waits" in nothing.output
    bad = tmp_path / "ship.csv"
    bad.write_text("fulfilment_order,carrier,tracking\nfo_1,SF\n", encoding="utf-8")
    refused = invoke("fulfil", "ship", "--wave", "wav_nope", "--csv", str(bad))
    assert refused.exit_code != 0 and "no wave wav_nope" in refused.output
    delivered = invoke("fulfil", "deliver")
    assert delivered.exit_code == 0 and "0 parcels delivered" in delivered.output
    listed = invoke("return", "list", "--status", "requested")
    assert listed.exit_code == 0, listed.output
    wrong = invoke("return", "list", "--status", "lost")
    assert wrong.exit_code == 2 and "no status 'lost'" in wrong.output
