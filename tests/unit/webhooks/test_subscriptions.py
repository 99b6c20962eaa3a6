"""The operator's use cases on the memory record, with DNS answered by a dictionary."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import Conflict, InvalidInput, NotFound
from flashsale.orders.domain.events import EventCursor
from flashsale.record.memory_store import MemoryStore
from flashsale.webhooks.domain.delivery import Attempt, Delivery, DeliveryStatus
from flashsale.webhooks.domain.errors import WebhookUrlNotAllowed
from flashsale.webhooks.service.subscriptions import Subscriptions
from tests.unit.conftest import T0
from tests.unit.webhooks.fakes import FakeResolver

PUBLIC = {"hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"]}


def subscriptions(
    store: MemoryStore, resolver: FakeResolver | None = None, *, development: bool = False
) -> Subscriptions:
    return Subscriptions(
        store, ManualClock(T0), resolver or FakeResolver(PUBLIC), development=development
    )


async def test_a_subscription_is_made_with_a_new_secret_and_read_back() -> None:
    store = MemoryStore()
    service = subscriptions(store)
    made = await service.create("https://hooks.example.com/in", ["order.paid"])
    assert made.id.startswith("whk_") and made.secret.startswith("whsec_")
    assert (made.url, made.events, made.active, made.created_at) == (
        "https://hooks.example.com/in",
        ("order.paid",),
        True,
        T0,
    )
    assert await service.find(made.id) == made
    assert await service.all() == [made]
    with pytest.raises(NotFound):
        await service.find("whk_none")


@pytest.mark.parametrize(
    ("host", "addresses"),
    [
        ("internal.example.com", ["10.0.0.8"]),
        ("metadata.example.com", ["169.254.169.254"]),
        ("mixed.example.com", ["93.184.216.34", "192.168.0.10"]),
        ("v6.example.com", ["fd00::1"]),
        ("mapped.example.com", ["::ffff:127.0.0.1"]),
        ("dangling.example.com", []),
    ],
)
async def test_a_name_resolving_inside_the_network_is_refused_with_nothing_written(
    host: str, addresses: list[str]
) -> None:
    store = MemoryStore()
    resolver = FakeResolver({host: addresses})
    with pytest.raises(WebhookUrlNotAllowed):
        await subscriptions(store, resolver).create(f"https://{host}/in", ["*"])
    assert resolver.asked == [host]
    assert await store.webhooks() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/in",
        "https://[::1]:8443/",
        "https://[fe80::1]/",
        "http://hooks.example.com/",
    ],
)
async def test_literal_addresses_and_plain_http_are_refused_without_asking_dns(url: str) -> None:
    resolver = FakeResolver(PUBLIC)
    with pytest.raises(WebhookUrlNotAllowed):
        await subscriptions(MemoryStore(), resolver).create(url, ["*"])
    assert resolver.asked == []


async def test_development_sends_anywhere_without_asking_dns() -> None:
    resolver = FakeResolver()
    service = subscriptions(MemoryStore(), resolver, development=True)
    made = await service.create("http://127.0.0.1:9000/hook", ["*"])
    assert made.url == "http://127.0.0.1:9000/hook" and resolver.asked == []


async def test_a_resolver_that_hangs_is_a_refusal_not_a_hang() -> None:
    class Hanging(FakeResolver):
        async def addresses(self, host: str) -> list[str]:
            await asyncio.Event().wait()
            return []

    service = subscriptions(MemoryStore(), Hanging())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("flashsale.webhooks.service.subscriptions.RESOLVE_SECONDS", 0.01)
        with pytest.raises(WebhookUrlNotAllowed, match="did not resolve"):
            await service.create("https://slow.example.com/", ["*"])


async def test_bad_events_and_secrets_are_refused_before_anything_is_written() -> None:
    store = MemoryStore()
    resolver = FakeResolver(PUBLIC)
    service = subscriptions(store, resolver)
    with pytest.raises(InvalidInput, match=r"order\.paid"):
        await service.create("https://hooks.example.com/", ["order.teleported"])
    with pytest.raises(InvalidInput, match="at least 24 bytes"):
        await service.create("https://hooks.example.com/", ["*"], "whsec_c2hvcnQ=")
    assert await store.webhooks() == [] and resolver.asked == []


async def test_a_change_checks_what_it_changes_and_keeps_the_rest() -> None:
    store = MemoryStore()
    service = subscriptions(store)
    made = await service.create("https://hooks.example.com/in", ["*"])
    with pytest.raises(WebhookUrlNotAllowed):
        await service.change(made.id, url="https://10.1.1.1/", events=["order.paid"])
    assert await service.find(made.id) == made  # nothing half-changed
    off = await service.change(made.id, active=False)
    assert (off.active, off.disabled_reason, off.url) == (
        False,
        "disabled by an operator",
        made.url,
    )
    on = await service.change(made.id, events=["order.paid", "order.cancelled"], active=True)
    assert (on.active, on.disabled_reason, on.events) == (
        True,
        None,
        ("order.paid", "order.cancelled"),
    )
    assert await service.change(made.id) == on
    with pytest.raises(NotFound):
        await service.change("whk_none", active=False)
    with pytest.raises(NotFound):
        await service.remove("whk_none")
    await service.remove(made.id)
    assert await service.all() == []


async def test_retrying_a_dead_letter() -> None:
    store = MemoryStore()
    service = subscriptions(store)
    made = await service.create("https://hooks.example.com/in", ["*"])
    dead = Delivery(
        "dlv_1", made.id, "evt_1", EventCursor(0, 1), "ord_1", "order.paid", b"{}",
        DeliveryStatus.PENDING, T0, next_attempt_at=T0,
    )  # fmt: skip
    assert await store.fan_out_webhook_deliveries([dead], EventCursor(), EventCursor(0, 1))
    with pytest.raises(Conflict, match="pending already"):
        await service.retry(made.id, "dlv_1")
    (_claimed,) = await store.claim_webhook_deliveries(T0, T0 + timedelta(minutes=1), 10)
    await store.record_webhook_attempts(
        [Attempt("dlv_1", 1, T0, DeliveryStatus.FAILED, None, 410, "gone")]
    )
    other = await service.create("https://hooks.example.com/other", ["*"])
    with pytest.raises(NotFound):
        await service.retry(other.id, "dlv_1")  # not that webhook's
    await service.change(made.id, active=False)
    with pytest.raises(Conflict, match="enable it first"):
        await service.retry(made.id, "dlv_1")
    await service.change(made.id, active=True)
    retried = await service.retry(made.id, "dlv_1")
    assert (retried.status, retried.attempts, retried.event_id) == (
        DeliveryStatus.PENDING,
        0,
        "evt_1",
    )
    assert [d.id for d in await service.deliveries(made.id, DeliveryStatus.PENDING)] == ["dlv_1"]
    with pytest.raises(InvalidInput):
        await service.deliveries(made.id, limit=0)
    with pytest.raises(NotFound):
        await service.deliveries("whk_none")
