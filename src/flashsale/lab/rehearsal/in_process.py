"""The embedded default staged in this process: seed the story, serve on a free loopback port.

The crowd and the server then share one event loop and this machine's cores: the figures are a
floor for what a separate server process would do, not a ceiling.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from flashsale.bootstrap import running_shop
from flashsale.config import DEFAULT_DATABASE_URL, Settings
from flashsale.lab.crowd.processes import Round
from flashsale.lab.demo.seeding import (
    BandSale,
    create_band_sale,
    preregister,
    seed_catalogue,
    seed_fans,
    seed_markets,
)
from flashsale.lab.rehearsal.scenario import Scenario, split
from flashsale.lab.rehearsal.stage import Stage
from flashsale.sales.ports import StockGate
from flashsale.serving import serving

LOOPBACK = "127.0.0.1"


@contextlib.contextmanager
def rehearsal_database(settings: Settings) -> Iterator[Settings]:
    """A throw-away SQLite file per run, unless a database was named: runs do not pile up."""
    if settings.database_url != DEFAULT_DATABASE_URL:
        yield settings
        return
    with tempfile.TemporaryDirectory(prefix="flashsale-rehearsal-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'rehearsal.db'}"
        yield settings.model_copy(update={"database_url": url})


@contextlib.asynccontextmanager
async def in_process_stage(
    settings: Settings, scenario: Scenario, *, gate: StockGate | None = None
) -> AsyncIterator[Stage]:
    """``gate`` replaces the stock gate, so that a test can prove a broken one gets caught."""
    async with running_shop(settings, gate=gate) as shop:
        await seed_markets(shop.catalog)
        await seed_catalogue(shop.catalog)
        # Fans first: their bulk insert must not eat into the countdown of the sale.
        fans = await seed_fans(shop, scenario.fans)
        rounds = []
        fan_shares = split(scenario.fans, scenario.sales)
        for index, stock in enumerate(split(scenario.stock, scenario.sales)):
            sale = await create_band_sale(
                shop,
                BandSale(
                    stock=stock,
                    opens_in_seconds=scenario.opens_in_seconds + index * scenario.sale_gap_seconds,
                    payment_window_seconds=scenario.payment_window_seconds,
                    per_customer_limit=scenario.limit,
                ),
            )
            # Its orders are a rehearsal's: the sales report keeps them apart from real sales.
            await shop.reporting.reports.mark_rehearsal(sale.id)
            first = sum(fan_shares[:index])
            round_fans = fans[first : first + fan_shares[index]]
            await preregister(shop, sale, round_fans)
            rounds.append(Round(sale.id, round_fans))
        async with serving(shop, LOOPBACK, 0, log_level="warning") as server:
            yield Stage(
                url=server.url,
                admin_token=shop.admin_token,
                rounds=rounds,
                target=f"in-process at {server.url} ({_database_kind(settings)})",
                preregistered=True,
                server_here=True,
            )


def _database_kind(settings: Settings) -> str:
    if settings.is_sqlite:
        return f"SQLite, synchronous={settings.sqlite_synchronous}"
    return settings.database_url.split(":", 1)[0]
