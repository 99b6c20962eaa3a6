"""The projector, event kind by event kind: what each adds to which market-local day, and that
a batch counts exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from flashsale.orders.domain.events import OrderEventKind as K
from flashsale.reporting.domain.facts import SCALE, FactKey, Measure
from flashsale.reporting.domain.questions import Rehearsals
from tests.unit.reporting.fakes import OPENS, SALES, Feed, Repository, flash_sale, projector

CN, IN = SALES
FESTIVAL = date(2015, 4, 8)


def key(day: date = FESTIVAL, sale: object = CN, rehearsal: bool = False) -> FactKey:
    s = CN if sale is CN else IN
    return FactKey(day, s.market_code, "web", s.sku, s.price.currency, rehearsal)


async def facts_of(
    feed: Feed, repository: Repository | None = None
) -> dict[FactKey, tuple[int, ...]]:
    repository = repository or Repository()
    await projector(feed, repository).catch_up()
    return {k: v for k, v in (await repository.all_facts()).items() if any(v)}


def counts(**named: int) -> tuple[int, ...]:
    values = [0] * len(Measure)
    for name, n in named.items():
        values[Measure[name.upper()]] = n
    return tuple(values)


async def test_a_payment_counts_the_order_its_units_and_its_amount_on_the_paid_day() -> None:
    feed = Feed()
    feed.add(K.RESERVED, "ord_1", OPENS, quantity=2)
    feed.add(K.PAID, "ord_1", OPENS + timedelta(minutes=5), quantity=2)
    assert await facts_of(feed) == {key(): counts(orders=1, units_sold=2, revenue=2998 * SCALE)}


async def test_a_reservation_that_expired_or_was_cancelled_unpaid_never_counts() -> None:
    feed = Feed()
    feed.add(K.RESERVED, "ord_1", OPENS)
    feed.add(K.EXPIRED, "ord_1", OPENS + timedelta(minutes=15))
    feed.add(K.RESERVED, "ord_2", OPENS)
    feed.add(K.CANCELLED, "ord_2", OPENS + timedelta(minutes=1))
    assert await facts_of(feed) == {}


async def test_a_cancel_after_payment_counts_as_cancelled_on_its_own_day() -> None:
    feed = Feed()
    feed.add(K.PAID, "ord_1", OPENS)
    feed.add(K.CANCELLED, "ord_1", OPENS + timedelta(days=2))
    assert await facts_of(feed) == {
        key(): counts(orders=1, units_sold=1, revenue=1499 * SCALE),
        key(FESTIVAL + timedelta(days=2)): counts(
            units_cancelled=1, revenue_cancelled=1499 * SCALE
        ),
    }


async def test_a_cancel_in_a_later_batch_asks_the_record_whether_it_was_paid() -> None:
    feed, repository = Feed(), Repository()
    feed.add(K.PAID, "ord_1", OPENS)
    await projector(feed, repository).catch_up()
    feed.add(K.CANCELLED, "ord_1", OPENS + timedelta(hours=1))
    feed.add(K.CANCELLED, "ord_2", OPENS + timedelta(hours=1))  # never paid
    repository.paid("ord_1")
    await projector(feed, repository).catch_up()
    found = await repository.all_facts()
    assert found[key()][Measure.UNITS_CANCELLED] == 1


async def test_a_refund_is_negative_revenue_on_its_day_in_its_currency() -> None:
    feed = Feed()
    feed.add(K.PAID, "ord_1", OPENS)
    refund = {"refund_id": "ref_1", "amount": "100.50", "currency": "CNY", "reason": "late"}
    feed.add(K.REFUNDED, "ord_1", OPENS + timedelta(days=1), data=refund)
    found = await facts_of(feed)
    assert found[key(FESTIVAL + timedelta(days=1))] == counts(refunds=100_5000)


async def test_shipped_delivered_and_returned_count_their_own_units_on_their_own_days() -> None:
    feed = Feed()
    feed.add(K.PAID, "ord_1", OPENS, quantity=3)
    feed.add(K.SHIPPED, "ord_1", OPENS + timedelta(days=1), quantity=3, data={"quantity": 2})
    feed.add(K.SHIPPED, "ord_1", OPENS + timedelta(days=2), quantity=3)  # the order's
    feed.add(K.DELIVERED, "ord_1", OPENS + timedelta(days=3), quantity=3, data={"quantity": 2})
    receipt = {"return_id": "ret_1", "quantity": 1, "location": "DC-BJ", "resellable": True}
    feed.add(K.RETURN_RECEIVED, "ord_1", OPENS + timedelta(days=9), quantity=3, data=receipt)
    found = await facts_of(feed)
    assert found[key(FESTIVAL + timedelta(days=1))] == counts(units_shipped=2)
    assert found[key(FESTIVAL + timedelta(days=2))] == counts(units_shipped=3)
    assert found[key(FESTIVAL + timedelta(days=3))] == counts(units_delivered=2)
    assert found[key(FESTIVAL + timedelta(days=9))] == counts(units_returned=1)


async def test_days_are_the_market_s_own() -> None:
    # 16:30 UTC is 00:30 the next day in Beijing, still 22:00 the same day in New Delhi.
    paid_at = datetime(2015, 4, 8, 16, 30, tzinfo=UTC)
    feed = Feed()
    feed.add(K.PAID, "ord_cn", paid_at, sale=CN)
    feed.add(K.PAID, "ord_in", paid_at, sale=IN)
    found = await facts_of(feed)
    assert set(found) == {key(date(2015, 4, 9), CN), key(date(2015, 4, 8), IN)}


async def test_events_of_a_sale_the_shop_does_not_know_are_skipped() -> None:
    feed = Feed()
    feed.add(K.PAID, "ord_1", OPENS, sale=flash_sale("sale_gone", "CN", "X", "1.00"))
    feed.add(K.PAID, "ord_2", OPENS)
    assert await facts_of(feed) == {key(): counts(orders=1, units_sold=1, revenue=1499 * SCALE)}


async def test_a_rehearsal_s_orders_are_kept_apart() -> None:
    feed, repository = Feed(), Repository()
    await repository.mark_rehearsal(CN.id, OPENS)
    feed.add(K.PAID, "ord_1", OPENS)
    assert set(await facts_of(feed, repository)) == {key(rehearsal=True)}


async def test_the_sell_out_is_the_moment_the_last_unit_was_taken() -> None:
    feed, repository = Feed(), Repository()
    feed.add(K.RESERVED, "ord_1", OPENS + timedelta(seconds=3))
    feed.add(K.RESERVED, "ord_2", OPENS + timedelta(seconds=9), quantity=2)
    feed.add(K.EXPIRED, "ord_2", OPENS + timedelta(minutes=15), quantity=2)
    feed.add(K.RESERVED, "ord_3", OPENS + timedelta(minutes=16), quantity=2)
    await projector(feed, repository, batch=1, page=1).catch_up()
    progress = (await repository.all_progress())[CN.id]
    assert (progress.units_taken, progress.units_live) == (5, 3)
    assert progress.seconds_to_sell_out == 9.0  # not the second time it ran dry
    (fastest,) = await repository.sellouts(Rehearsals.EXCLUDE, 10)
    assert fastest.sale_id == CN.id


async def test_two_projectors_racing_for_one_batch_count_it_once() -> None:
    feed, repository = Feed(), Repository()
    for n in range(50):
        feed.add(K.PAID, f"ord_{n}", OPENS)
    racers = [projector(feed, repository, batch=20, page=10) for _ in range(4)]
    for _ in range(5):
        await asyncio.gather(*(p.step() for p in racers))
    assert (await repository.all_facts())[key()][Measure.ORDERS] == 50


async def test_a_batch_read_ahead_from_a_cursor_another_process_moved_is_dropped() -> None:
    feed, repository = Feed(), Repository()
    for n in range(50):
        feed.add(K.PAID, f"ord_{n}", OPENS)
    slow = projector(feed, repository, batch=20, page=10)
    assert (await slow.step()).events == 20  # a full batch: the next 20 are read ahead
    await projector(feed, repository, batch=20, page=10).catch_up()  # another takes the rest
    for n in range(50, 55):
        feed.add(K.PAID, f"ord_{n}", OPENS)
    refused = await slow.step()  # the batch it read ahead, after a cursor no longer stored
    assert not refused.moved
    while (await slow.step()).events:
        pass
    assert (await repository.all_facts())[key()][Measure.ORDERS] == 55
