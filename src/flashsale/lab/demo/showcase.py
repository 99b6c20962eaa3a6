"""The demo from start to finish: seed, serve, let the crowd in, audit, keep serving."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from rich.console import Console, Group
from rich.panel import Panel

from flashsale.bootstrap import Shop
from flashsale.lab.crowd.behaviour import CrowdPlan
from flashsale.lab.crowd.simulation import Crowd, CrowdReport
from flashsale.lab.crowd.tables import findings_table, latency_table, outcomes_table, replies_table
from flashsale.lab.demo.live import watch
from flashsale.lab.demo.seeding import (
    BandSale,
    create_band_sale,
    preregister,
    seed_catalogue,
    seed_fans,
    seed_markets,
)
from flashsale.lab.demo.story import RECORDS
from flashsale.orders.domain.order import OrderStatus
from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.domain.sale import FlashSale
from flashsale.serving import Serving, serving
from flashsale.terminal import audit_table

DEMO_HOST = "127.0.0.1"  # the crowd's load never leaves this machine
# After the last walked-away reservation is due, the sweeper needs a tick or two to return it.
SETTLE_SWEEPS = 3


@dataclass(frozen=True, slots=True)
class DemoOptions:
    stock: int
    fans: int
    opens_in_seconds: float
    payment_window_seconds: float
    port: int
    simulate: bool
    preregister: bool
    exit_after_sale: bool
    plan: CrowdPlan


async def run_demo(shop: Shop, options: DemoOptions, console: Console) -> int:
    """Returns the exit code: 0 when the audit (and the crowd's own checks) came out clean."""
    console.print(Panel("\n".join(RECORDS), title="Mi.com record days", expand=False))
    markets = await seed_markets(shop.catalog)
    products = await seed_catalogue(shop.catalog)
    console.print(f"Seeded {markets} new markets and {products} new products.")
    sale = await create_band_sale(
        shop,
        BandSale(
            stock=options.stock,
            opens_in_seconds=options.opens_in_seconds,
            payment_window_seconds=options.payment_window_seconds,
        ),
    )
    fans = await seed_fans(shop, options.fans) if options.simulate else []
    if options.preregister:
        await preregister(shop, sale, fans)
    async with serving(shop, DEMO_HOST, options.port, log_level="warning") as server:
        print_addresses(console, server.url, sale, shop.admin_token)
        clean = True
        if options.simulate:
            outcome = await server.unless_stopped(
                simulate(shop, server, sale, Crowd(server.url, fans, options.plan), console)
            )
            if outcome is None:
                console.print("Stopped before the sale ended.")
                return 1
            report, audit = outcome
            clean = report.ok and audit.clean
        if options.exit_after_sale:
            return 0 if clean else 1
        console.print(f"Serving at {server.url} until Ctrl-C.", soft_wrap=True)
        await server.until_stopped()
    return 0 if clean else 1


def print_addresses(console: Console, url: str, sale: FlashSale, admin_token: str) -> None:
    lines = (
        f"Shop         {url}/",
        f"Sale page    {url}/sales/{sale.id}",
        f"Dashboard    {url}/console/sales/{sale.id}  (log in with the admin token)",
        f"API          {url}/api/v1",
        f"OpenAPI      {url}/openapi.json",
        f"Metrics      {url}/metrics",
        f"Sale         {url}/api/v1/sales/{sale.id}",
        f"Audit        {url}/api/v1/admin/sales/{sale.id}/audit",
        f"Admin token  {admin_token}",
    )
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)


async def simulate(
    shop: Shop, server: Serving, sale: FlashSale, crowd: Crowd, console: Console
) -> tuple[CrowdReport, SaleAudit]:
    async def units_left() -> int | None:
        return (await shop.sales.view(sale.id)).stock_left

    done = asyncio.Event()
    title = f"{sale.sku} in {sale.market_code} at {sale.price}"
    board = asyncio.create_task(watch(console, crowd.log, units_left, title, done))
    try:
        report = await crowd.run(sale.id)
        crowd.log.phase = "waiting for walked-away reservations to go back on sale"
        await settle(shop, sale, report)
        crowd.log.phase = "done"
    finally:
        done.set()
        await board
        console.line()
    audit = await shop.auditing.audit(sale.id)
    console.print(
        Group(
            outcomes_table(report.log),
            replies_table(report.log),
            latency_table(report.log),
            findings_table(report),
            audit_table(audit),
        )
    )
    return report, audit


async def settle(shop: Shop, sale: FlashSale, report: CrowdReport) -> None:
    """Wait until the reservations nobody paid have expired, so the audit shows them returned.

    Bounded by the last acknowledged reservation's expiry: a long payment window is not waited
    out, its reservations simply show as awaiting payment.
    """
    if not report.log.reservations:
        return
    last_due = max(r.expires_at for r in report.log.reservations)
    tick = shop.settings.expiry_sweep_seconds
    deadline = time.monotonic() + min(
        (last_due - shop.clock.now()).total_seconds() + SETTLE_SWEEPS * tick,
        sale.payment_window.total_seconds() + SETTLE_SWEEPS * tick,
    )
    while time.monotonic() < deadline:
        if not await shop.orders.of_sale(sale.id, OrderStatus.RESERVED, limit=1):
            break
        await asyncio.sleep(tick / 2)
    # The sweeper closes orders in the store, then returns their units to the gate: let it.
    await asyncio.sleep(tick)
