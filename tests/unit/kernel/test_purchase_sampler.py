"""A worker's count of the feed's purchases, and the pace its back office reads from it: busy
while a sale's reservations reach the feed fast, whatever the back office writes itself.
Driven by a fake clock and a fake feed: no wall time."""

from __future__ import annotations

import asyncio

import pytest

from flashsale.kernel.pace import Pace
from flashsale.kernel.purchase_sampler import FeedGrowth, PurchaseSampler

RESERVED, PAID, ALLOCATED = "order.reserved", "order.paid", "fulfilment.allocated"


class Feed:
    """The order event feed as kinds in seq order (seq = index + 1)."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.reads: list[tuple[int, int]] = []
        self.failing = 0  # the next reads that raise

    def write(self, kind: str, count: int) -> None:
        self.kinds += [kind] * count

    async def feed_head(self) -> int:
        self._fail()
        return len(self.kinds)

    async def purchases_after(self, seq: int, limit: int) -> FeedGrowth:
        self._fail()
        self.reads.append((seq, limit))
        read = self.kinds[seq : seq + limit]
        return FeedGrowth(seq + len(read), read.count(RESERVED))

    def _fail(self) -> None:
        if self.failing:
            self.failing -= 1
            raise ConnectionError("the record is out of reach")


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_the_first_sample_finds_the_head_and_counts_nothing_before_it() -> None:
    feed = Feed()
    feed.write(RESERVED, 5_000)  # a sale sold before this process started
    sampler = PurchaseSampler(feed)
    await sampler.sample()
    assert sampler.purchases == 0
    feed.write(RESERVED, 3)
    await sampler.sample()
    assert sampler.purchases == 3
    assert feed.reads == [(5_000, 50_000)]


async def test_only_reservations_count_not_payments_nor_the_back_offices_events() -> None:
    feed = Feed()
    sampler = PurchaseSampler(feed)
    await sampler.sample()
    feed.write(RESERVED, 10)
    feed.write(PAID, 7)
    feed.write(ALLOCATED, 40_000)
    feed.write(RESERVED, 2)
    await sampler.sample()
    assert sampler.purchases == 12


async def test_a_burst_longer_than_a_read_is_counted_over_the_next_samples() -> None:
    feed = Feed()
    sampler = PurchaseSampler(feed, limit=100)
    await sampler.sample()
    feed.write(RESERVED, 250)
    counted = []
    for _ in range(4):
        await sampler.sample()
        counted.append(sampler.purchases)
    assert counted == [100, 200, 250, 250]
    assert [seq for seq, _ in feed.reads] == [0, 100, 200, 250]


async def test_a_failed_read_is_tried_again_at_the_next_tick() -> None:
    feed = Feed()
    ticks: list[float] = []

    async def sleep(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) == 1:
            feed.write(RESERVED, 4)
            feed.failing = 1
        if len(ticks) == 3:
            raise asyncio.CancelledError

    sampler = PurchaseSampler(feed, every=0.25, sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        await sampler.run_forever()
    assert ticks == [0.25, 0.25, 0.25]
    assert sampler.purchases == 4  # the failed read lost nothing


async def test_a_worker_is_busy_while_the_sale_sells_fast_and_quiet_after() -> None:
    feed, clock = Feed(), Ticking()
    sampler = PurchaseSampler(feed)
    pace = Pace(lambda: sampler.purchases, monotonic=clock)
    await sampler.sample()
    states = []
    # 2 s of a sale at 1,000 purchases a second, then 4 s of the allocator catching up (its
    # own events, 40,000 a second) and a trickle of 100 purchases a second.
    for tick in range(24):
        sale = tick < 8
        feed.write(RESERVED, 250 if sale else 25)
        if not sale:
            feed.write(ALLOCATED, 10_000)
        clock.now += 0.25
        await sampler.sample()
        states.append(pace.busy())
    assert states[:8] == [True] * 8
    # Quiet for the 2 s Pace waits after the last fast sample, then all out again.
    assert states[8:15] == [True] * 7
    assert states[15:] == [False] * 9


async def test_a_rate_below_the_busy_rate_never_makes_it_busy() -> None:
    feed, clock = Feed(), Ticking()
    sampler = PurchaseSampler(feed)
    pace = Pace(lambda: sampler.purchases, monotonic=clock)
    await sampler.sample()
    for _ in range(20):
        feed.write(RESERVED, 45)  # 180 a second
        feed.write(PAID, 45)
        clock.now += 0.25
        await sampler.sample()
        assert not pace.busy()
