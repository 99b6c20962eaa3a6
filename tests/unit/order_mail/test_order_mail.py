"""Order mail on the memory store: reservations and refunds from the feed become customers'
mails in their market's locale, a page at a time, the cursor moved only after the outbox took the
page; the shop's past is not mailed, and a second process on the record does not mail again."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from flashsale.customers.model import Customer
from flashsale.notifications.domain.message import Message
from flashsale.notifications.domain.outbox import OutboxMail
from flashsale.order_mail.ports import CustomerDirectory
from flashsale.order_mail.service import NAME, OrderMail
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.events import EventCursor
from flashsale.orders.domain.order import Order
from flashsale.orders.service.events import OrderEvents
from flashsale.platform.local_leadership import LocalLeadership
from tests.unit.conftest import OPENS, PAYMENT_WINDOW, World

PUBLIC_URL = "https://shop.example/"


class HeldNotifier:
    """Hands the batch on only once ``release`` is set; fails while ``failing``."""

    def __init__(self, world: World) -> None:
        self._notifications = world.shop.notifications
        self.handed = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.failing = False

    async def send(self, messages: Sequence[Message]) -> None:
        self.handed.set()
        await self.release.wait()
        if self.failing:
            raise RuntimeError("the outbox is away")
        await self._notifications.send(messages)


class Forgetting:
    """Accounts that have lost some customers (an erased account, say)."""

    def __init__(self, world: World, forgotten: set[str]) -> None:
        self._accounts = world.shop.accounts
        self._forgotten = forgotten

    async def customer(self, customer_id: str) -> Customer | None:
        if customer_id in self._forgotten:
            return None
        return await self._accounts.customer(customer_id)


def order_mail_of(
    world: World,
    notifier: HeldNotifier | None = None,
    customers: CustomerDirectory | None = None,
) -> OrderMail:
    shop = world.shop
    return OrderMail(
        OrderEvents(world.store),
        world.store,
        notifier or shop.notifications,
        customers or shop.accounts,
        shop.catalog,
        LocalLeadership(),
        world.clock,
        public_url=PUBLIC_URL,
    )


async def bought(world: World, quantity: int = 1) -> Order:
    buyer = await world.customer()
    world.at(OPENS)
    return (await world.shop.purchasing.purchase(buyer, world.sale.id, quantity)).order


async def outbox(world: World) -> list[OutboxMail]:
    return list(reversed(await world.store.recent_mails(100)))  # oldest first


async def stored_cursor(world: World) -> EventCursor:
    return EventCursor.parse(await world.store.relay_cursor(NAME))


async def test_a_reservation_is_confirmed_in_the_customers_locale_with_its_link(
    world: World,
) -> None:
    mail = order_mail_of(world)
    await mail.begin()
    order = await bought(world, 2)
    done = await mail.step()
    assert (done.events, done.mails, done.skipped) == (1, 1, 0)
    (sent,) = await outbox(world)
    assert (sent.to, sent.template, sent.locale) == (
        "fan1@mi.example",
        "order_confirmation",
        "en_IN",
    )
    text = sent.mail.text
    assert f"https://shop.example/orders/{order.id}" in text
    assert "Mi Band 4 (black)" in text
    assert "₹1,998.00" in text  # two bands, written as India writes an amount
    assert "Quantity: 2" in text
    assert "2026" in text and (OPENS + PAYMENT_WINDOW).strftime("%B") in text  # pay by


async def test_a_refund_is_mailed_with_its_own_amount(world: World) -> None:
    mail = order_mail_of(world)
    await mail.begin()
    order = await bought(world)
    await world.shop.orders.pay(order.customer_id, order.id, CARD_SUCCEEDS)
    await world.shop.refunds.request(order.id, "100.00", "the strap broke", "admin", "k1")
    done = await mail.step()
    assert (done.events, done.mails) == (3, 2)  # reserved, paid (no mail), refunded
    confirmation, refund = await outbox(world)
    assert confirmation.template == "order_confirmation"
    assert (refund.to, refund.template, refund.locale) == (
        "fan1@mi.example",
        "refund_issued",
        "en_IN",
    )
    assert "₹100.00" in refund.mail.text and order.id in refund.mail.text


async def test_an_unknown_customer_is_skipped_and_the_feed_goes_on(world: World) -> None:
    gone = await bought(world)
    kept = await bought(world)
    mail = order_mail_of(world, customers=Forgetting(world, {gone.customer_id}))
    await world.store.move_relay_cursor(NAME, None, str(EventCursor()), world.clock.now())
    done = await mail.step()
    assert (done.events, done.mails, done.skipped) == (2, 1, 1)
    (sent,) = await outbox(world)
    assert kept.id in sent.mail.text
    assert (await stored_cursor(world)).seq == 2  # past the skipped one too


async def test_the_cursor_moves_only_once_the_outbox_took_the_page(world: World) -> None:
    notifier = HeldNotifier(world)
    mail = order_mail_of(world, notifier)
    start = await mail.begin()
    await bought(world)
    notifier.release.clear()
    stepping = asyncio.create_task(mail.step())
    await asyncio.wait_for(notifier.handed.wait(), 5)
    assert await world.store.relay_cursor(NAME) == start  # handed over, not yet taken
    notifier.release.set()
    assert (await stepping).mails == 1
    assert (await stored_cursor(world)).seq == 1


async def test_a_failing_send_leaves_the_cursor_and_the_page_is_sent_again(world: World) -> None:
    notifier = HeldNotifier(world)
    mail = order_mail_of(world, notifier)
    start = await mail.begin()
    await bought(world)
    notifier.failing = True
    with pytest.raises(RuntimeError):
        await mail.step()
    assert await world.store.relay_cursor(NAME) == start
    assert await outbox(world) == []
    notifier.failing = False
    assert (await order_mail_of(world, notifier).step()).mails == 1
    assert len(await outbox(world)) == 1


async def test_a_second_reader_on_the_same_record_does_not_mail_again(world: World) -> None:
    first = order_mail_of(world)
    await first.begin()
    await bought(world)
    assert (await first.step()).mails == 1
    second = order_mail_of(world)  # another process, or this one restarted
    assert (await second.step()).events == 0
    await bought(world)
    assert (await second.step()).mails == 1
    # The first one's cursor is behind now: its move loses, it re-reads and sends nothing more.
    assert (await first.step()).events == 1
    assert (await first.step()).events == 0
    assert len(await outbox(world)) == 3  # the lost race resent one page: at least once


async def test_the_first_start_begins_at_the_feeds_end(world: World) -> None:
    await bought(world)
    await bought(world)
    mail = order_mail_of(world)
    assert (await mail.step()).events == 0  # the orders from before order mail are not mailed
    assert (await stored_cursor(world)).seq == 2
    fresh = await bought(world)
    done = await mail.step()
    assert (done.events, done.mails) == (1, 1)
    (sent,) = await outbox(world)
    assert fresh.id in sent.mail.text


async def test_a_refused_address_costs_only_its_own_mail(world: World) -> None:
    first = await bought(world)
    second = await bought(world)
    customer = await world.store.customer(first.customer_id)
    assert customer is not None
    broken = Customer(
        id=customer.id,
        email="not an address",
        password_hash=customer.password_hash,
        market_code=customer.market_code,
        created_at=customer.created_at,
    )

    class Broken:
        async def customer(self, customer_id: str) -> Customer | None:
            if customer_id == broken.id:
                return broken
            return await world.shop.accounts.customer(customer_id)

    mail = order_mail_of(world, customers=Broken())
    await world.store.move_relay_cursor(NAME, None, str(EventCursor()), world.clock.now())
    assert (await mail.step()).mails == 1
    (sent,) = await outbox(world)
    assert second.id in sent.mail.text
