"""Any event sequence, projected incrementally in any split of batches, equals its one-shot
projection; and ``report rebuild`` puts the one-shot facts back where the live ones drifted."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from flashsale.orders.domain.events import OrderEventKind as K
from flashsale.orders.service.events import OrderEvents
from flashsale.platform.local_leadership import LocalLeadership
from flashsale.reporting.domain.facts import FactKey, Measure
from flashsale.reporting.service.rebuild import Rebuild
from flashsale.sales.domain.sale import FlashSale
from tests.unit.reporting.fakes import OPENS, SALES, Feed, Markets, Repository, Sales, projector

# What can happen to one order after its reservation, in feed order.
LIVES = [
    (K.EXPIRED,),
    (K.CANCELLED,),
    (K.PAID,),
    (K.PAID, K.CANCELLED),
    (K.PAID, K.REFUNDED),
    (K.PAID, K.SHIPPED),
    (K.PAID, K.SHIPPED, K.DELIVERED),
    (K.PAID, K.SHIPPED, K.DELIVERED, K.RETURN_RECEIVED, K.REFUNDED),
    (K.PAID, K.REFUNDED, K.CANCELLED),
]

orders = st.lists(
    st.tuples(
        st.sampled_from(LIVES),
        st.sampled_from(SALES),
        st.integers(1, 3),  # quantity
        st.integers(0, 72),  # hours after the opening of the first event
    ),
    min_size=1,
    max_size=25,
)


Drawn = tuple[tuple[K, ...], FlashSale, int, int]


def feed_of(drawn: list[Drawn], interleave: list[int]) -> Feed:
    """Each order's events in order, orders interleaved as ``interleave`` picks."""
    lives: list[list[tuple[int, K, FlashSale, int, int]]] = []
    for n, (life, sale, quantity, hours) in enumerate(drawn):
        steps = [K.RESERVED, *life]
        lives.append([(n, kind, sale, quantity, hours + i) for i, kind in enumerate(steps)])
    feed = Feed()
    pick = 0
    while any(lives):
        waiting = [life for life in lives if life]
        chosen = waiting[interleave[pick % len(interleave)] % len(waiting)]
        pick += 1
        n, kind, sale, quantity, hours = chosen.pop(0)
        data: dict[str, object] = {}
        if kind is K.REFUNDED:
            data = {"amount": "10.00", "currency": sale.price.currency}
        feed.add(
            kind,
            f"ord_{n}",
            OPENS + timedelta(hours=hours, minutes=n),
            sale=sale,
            quantity=quantity,
            data=data,
        )
    return feed


async def projected(feed: Feed, batch: int, page: int) -> Repository:
    repository = Repository()
    repository.paid(*(e.order_id for e in feed.events if e.kind is K.PAID))
    await projector(feed, repository, batch=batch, page=page).catch_up()
    return repository


@settings(max_examples=60, deadline=None)
@given(
    orders,
    st.lists(st.integers(0, 50), min_size=1, max_size=8),
    st.integers(1, 7),
    st.integers(1, 5),
)
async def test_any_split_into_batches_projects_what_one_batch_does(
    drawn: list[Drawn],
    interleave: list[int],
    batch: int,
    page: int,
) -> None:
    feed = feed_of(drawn, interleave)
    whole = await projected(feed, batch=10_000, page=1000)
    pieces = await projected(feed, batch=batch, page=page)
    assert await pieces.all_facts() == await whole.all_facts()
    assert await pieces.all_progress() == await whole.all_progress()
    assert await pieces.report_cursor() == feed.events[-1].cursor


async def test_rebuild_restores_the_one_shot_facts_and_names_what_differed() -> None:
    feed = feed_of([((K.PAID, K.SHIPPED), SALES[0], 2, 0), ((K.PAID,), SALES[1], 1, 5)], [0])
    repository = await projected(feed, batch=3, page=2)
    truth = await repository.all_facts()
    rebuild = Rebuild(OrderEvents(feed), repository, Sales(), Markets(), LocalLeadership())

    same = await rebuild.run()
    assert same.equal and same.swapped and same.events == len(feed.events)
    assert await repository.all_facts() == truth

    drifted: FactKey = sorted(truth)[0]
    repository._report_live.facts[drifted][Measure.UNITS_SOLD] += 7  # a bug's leftovers
    repaired = await rebuild.run()
    assert repaired.swapped and len(repaired.differences) == 1
    assert repaired.differences[0].startswith(f"{drifted.day} {drifted.market}")
    assert "units_sold" in repaired.differences[0]
    assert await repository.all_facts() == truth


async def test_rebuild_catches_the_live_facts_up_before_comparing() -> None:
    feed = feed_of([((K.PAID,), SALES[0], 1, 0)] * 5, [0])
    repository = Repository()
    await projector(feed, repository, batch=2, page=2).step()  # live is behind the feed
    rebuild = Rebuild(OrderEvents(feed), repository, Sales(), Markets(), LocalLeadership())
    outcome = await rebuild.run()
    assert outcome.equal and outcome.cursor == feed.events[-1].cursor
