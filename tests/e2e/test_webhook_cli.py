"""``flashsale webhook add|list|deliveries|retry`` in process, on a SQLite file of their own, and
``flashsale worker --webhooks`` as a real process delivering to a receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from flashsale.bootstrap import running_shop
from flashsale.catalog.market import Market
from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus
from tests.conftest import fast_settings
from tests.contract.record_world import band, customer, order, sale
from tests.e2e.test_cli import Invoke, invoke
from tests.e2e.webhook_receiver import Receiver, receiver

__all__ = ["invoke", "receiver"]
WEBHOOK_ID = re.compile(r"whk_[0-9a-f]{32}")
SECRET = re.compile(r"secret: (whsec_\S+)")


def test_add_list_deliveries_and_retry(invoke: Invoke, tmp_path: Path) -> None:
    added = invoke("webhook", "add", "http://127.0.0.1:9/hook", "-e", "order.paid")
    assert added.exit_code == 0, added.output
    found = WEBHOOK_ID.search(added.output)
    assert found is not None and SECRET.search(added.output) is not None
    hook = found.group()
    assert "events: order.paid" in added.output

    listed = invoke("webhook", "list")
    assert listed.exit_code == 0, listed.output
    assert hook in listed.output and "whsec_" not in listed.output
    nothing = invoke("webhook", "deliveries", hook)
    assert nothing.exit_code == 0 and "no delivery" in nothing.output

    asyncio.run(dead_letter(tmp_path / "cli.db", hook))
    dead = invoke("webhook", "deliveries", hook, "--status", "failed")
    assert dead.exit_code == 0, dead.output
    assert "dlv_1" in dead.output and "HTTP 500" in dead.output
    retried = invoke("webhook", "retry", hook, "dlv_1")
    assert retried.exit_code == 0, retried.output
    assert "pending again" in retried.output
    pending = invoke("webhook", "deliveries", hook, "--status", "pending")
    assert "dlv_1" in pending.output


async def dead_letter(database: Path, hook: str) -> None:
    settings = fast_settings(database_url=f"sqlite+aiosqlite:///{database}")
    async with running_shop(settings) as shop:
        at = shop.clock.now()
        dead = Delivery(
            id="dlv_1",
            subscription_id=hook,
            event_id="evt_000000000001",
            position=EventCursor(0, 1),
            order_id="ord_1",
            kind="order.paid",
            body=b"{}",
            status=DeliveryStatus.PENDING,
            created_at=at,
            next_attempt_at=at,
        )
        await shop.store.fan_out_webhook_deliveries([dead], EventCursor(), EventCursor(0, 1))
        await shop.store.claim_webhook_deliveries(at, at, 1)
        failed = Attempt("dlv_1", 1, at, DeliveryStatus.FAILED, None, 500, "HTTP 500: down")
        await shop.store.record_webhook_attempts([failed])


def test_refusals_exit_with_the_reason(invoke: Invoke) -> None:
    unknown = invoke("webhook", "add", "http://127.0.0.1:9/hook", "-e", "order.teleported")
    assert unknown.exit_code == 2
    assert "order.reserved" in unknown.output and "known ones" in unknown.output
    short = invoke("webhook", "add", "http://127.0.0.1:9/hook", "--secret", "whsec_c2hvcnQ=")
    assert short.exit_code == 2 and "24 bytes" in short.output
    missing = invoke("webhook", "retry", "whk_none", "dlv_none")
    assert missing.exit_code == 2 and "no webhook" in missing.output
    assert "no webhook yet" in invoke("webhook", "list").output


async def test_a_webhook_worker_process_delivers(receiver: Receiver, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    settings = fast_settings(database_url=database)
    async with running_shop(settings) as shop:
        hook = await shop.webhooks.create(receiver.url, ["order.reserved"])
        await shop.store.add_markets([Market("IN", "India", "INR", "en_IN")])
        await shop.store.add_markets([Market("ES", "España", "EUR", "es_ES")])
        await shop.store.add_product(band())
        await shop.store.add_customers([customer(1)])
        await shop.store.add_sale(sale())
        await shop.store.insert_orders([order("ord_1", 1, created_at=shop.clock.now())])
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "flashsale", "--database-url", database, "--admin-token",
        "test-admin-token-of-the-suite", "worker", "--webhooks",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "FLASHSALE_WEBHOOK_POLL_SECONDS": "0.1"},
    )  # fmt: skip
    try:
        await asyncio.wait_for(receiver.arrived.wait(), 60)
    finally:
        worker.terminate()
        output, _ = await asyncio.wait_for(worker.communicate(), 30)
    assert worker.returncode == 0, output.decode()
    assert "delivers webhooks" in output.decode()
    (got,) = receiver.received
    assert got.verified(hook.secret)["type"] == "order.reserved"


def test_a_webhook_worker_round_by_hand(invoke: Invoke) -> None:
    once = invoke("worker", "--webhooks", "--once")
    assert once.exit_code == 0, once.output
    assert "fanned out 0 events (0 deliveries); delivered 0" in once.output
    memory = invoke("--database-url", "memory://", "worker", "--webhooks")
    assert memory.exit_code == 2 and "memory store" in memory.output
