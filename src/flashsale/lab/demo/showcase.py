"""The demo from start to finish: seed, serve, let the crowd in, audit, keep serving."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console, Group
from rich.panel import Panel

from flashsale.bootstrap import Shop
from flashsale.lab.crowd.behaviour import CrowdPlan
from flashsale.lab.crowd.simulation import Crowd, CrowdReport
from flashsale.lab.crowd.tables import findings_table, latency_table, outcomes_table, replies_table
from flashsale.lab.demo.channels import seed_channels
from flashsale.lab.demo.live import watch
from flashsale.lab.demo.markets import INDIA
from flashsale.lab.demo.seeding import (
    BandSale,
    create_band_sale,
    preregister,
    seed_catalogue,
    seed_fans,
    seed_markets,
)
from flashsale.lab.demo.story import RECORDS
from flashsale.lab.demo.warehouses import receipts_covering, seed_warehouses
from flashsale.orders.domain.order import OrderStatus
from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.domain.sale import FlashSale
from flashsale.serving import Serving, serving
from flashsale.terminal import audit_table
from flashsale.web.moments import relative_time

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
    products = await seed_catalogue(shop.catalog, images=shop.product_images)
    console.print(f"Seeded {markets} new markets and {products} new products.")
    sale = await create_band_sale(
        shop,
        BandSale(
            stock=options.stock,
            opens_in_seconds=options.opens_in_seconds,
            payment_window_seconds=options.payment_window_seconds,
        ),
    )
    dcs, units = await seed_warehouses(
        shop.catalog, shop.fulfilment, receipts=receipts_covering([sale])
    )
    console.print(f"Seeded {dcs} new distribution centres and received {units:,} units.")
    partners, pooled = await seed_channels(shop.catalog, shop.fulfilment, shop.channels)
    console.print(f"Seeded {partners} new channels and pooled {pooled:,} units for partners.")
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
        # The crowd's sale sold out in a second: the newcomer gets one of their own to try.
        yours = await create_band_sale(shop, YOUR_TURN)
        print_your_turn(console, server.url, yours, shop.clock.now())
        console.print(f"Serving at {server.url} until Ctrl-C.", soft_wrap=True)
        await server.until_stopped()
    return 0 if clean else 1


# A sale for the person at the terminal: registration open now, the opening two minutes away, and
# the time a person needs to fill the checkout form.
YOUR_TURN = BandSale(stock=10, opens_in_seconds=120, payment_window_seconds=15 * 60)
LABEL_WIDTH = 12


def print_links(console: Console, links: Sequence[tuple[str, str, str]]) -> None:
    """``label  url  (note)``, each URL whole on one line: when a line would not fit the
    terminal, the note goes to the next line, then the URL too (a terminal breaks a long line
    anywhere, an id or a URL mid-word)."""
    width = console.width
    for label, url, note in links:
        line = f"{label:<{LABEL_WIDTH}} {url}"
        if len(line) > width:
            console.print(label, soft_wrap=True, highlight=False)
            line = url
        if note and len(line) + len(note) + 4 <= width:
            line = f"{line}  ({note})"
            note = ""
        console.print(line, soft_wrap=True, highlight=False)
        if note:
            console.print(f"{'':<{LABEL_WIDTH}} ({note})", soft_wrap=True, highlight=False)


def print_addresses(console: Console, url: str, sale: FlashSale, admin_token: str) -> None:
    """Links a browser opens as they are: pages, and the API's index (its calls need a token)."""
    dashboard = f"{url}/console/sales/{sale.id}"
    print_links(
        console,
        [
            ("Shop", f"{url}/", ""),
            ("Sale page", f"{url}/sales/{sale.id}", ""),
            ("Dashboard", dashboard, "log in with the admin token"),
            ("Audit", f"{dashboard}#audit", "the dashboard's audit"),
            ("API", f"{url}/docs", "every call; the document: /openapi.json"),
            ("Admin token", admin_token, ""),
        ],
    )


def print_your_turn(console: Console, url: str, sale: FlashSale, now: datetime) -> None:
    opens = relative_time(sale.opens_at, INDIA, now)
    minutes = max(1, round((sale.opens_at - now).total_seconds() / 60))
    console.print(
        f"\nYour turn: {sale.stock_total} more bands go on sale {opens}, in {minutes} minutes."
        " Sign up on the sale's page, register, and press Buy now at the opening second"
        " (test card 4242 4242 4242 4242).",
        highlight=False,
    )
    print_links(console, [("Your sale", f"{url}/sales/{sale.id}", "")])


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
        crowd.log.phase = "waiting for unpaid reservations to expire"
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
