"""The tills' group commit lingers: sales arriving within the window of the first share its
transaction, those after it get one of their own, and each is answered with its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from flashsale.stores.domain.sale import PosSale
from flashsale.stores.service.sale_commits import Outcome, SaleCommits
from tests.contract.test_store_repository import sale

LINGER = 0.2


class Record:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def __call__(self, sales: Sequence[PosSale]) -> list[Outcome]:
        self.batches.append([s.idempotency_key for s in sales])
        return [s if s.idempotency_key != "short" else ValueError(s.id) for s in sales]


async def test_sales_within_the_window_share_one_transaction() -> None:
    record = Record()
    commits = SaleCommits(record, linger=LINGER, max_batch=256)

    async def later(key: str, after: float) -> Outcome:
        await asyncio.sleep(after)
        return await commits.submit(sale("till_1", 1, key))

    first, second, short = await asyncio.gather(
        later("k1", 0), later("k2", 0.01), later("short", 0.02)
    )
    assert record.batches == [["k1", "k2", "short"]]
    assert isinstance(first, PosSale) and first.idempotency_key == "k1"
    assert isinstance(second, PosSale) and second.idempotency_key == "k2"
    assert isinstance(short, ValueError)


async def test_a_sale_after_the_window_opens_the_next_one() -> None:
    record = Record()
    commits = SaleCommits(record, linger=LINGER, max_batch=256)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await commits.submit(sale("till_1", 1, "k1"))
    assert loop.time() - started >= LINGER * 0.9  # the first sale waited for company
    await asyncio.gather(
        commits.submit(sale("till_1", 1, "k2")), commits.submit(sale("till_1", 1, "k3"))
    )
    assert record.batches == [["k1"], ["k2", "k3"]]


async def test_without_a_linger_a_lone_sale_is_written_at_once() -> None:
    record = Record()
    commits = SaleCommits(record, linger=0, max_batch=256)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await commits.submit(sale("till_1", 1, "k1"))
    assert loop.time() - started < LINGER / 2  # nothing to wait for
    assert record.batches == [["k1"]]


async def test_a_sale_arriving_while_a_batch_is_written_joins_the_next_at_once() -> None:
    record = SlowRecord()
    commits = SaleCommits(record, linger=LINGER, max_batch=256)
    loop = asyncio.get_running_loop()

    async def later(key: str, after: float) -> float:
        await asyncio.sleep(after)
        started = loop.time()
        await commits.submit(sale("till_1", 1, key))
        return loop.time() - started

    # k1's window closes at LINGER, its batch is written until LINGER + WRITE; k2 comes midway.
    _, waited = await asyncio.gather(later("k1", 0), later("k2", LINGER + WRITE / 2))
    assert record.batches == [["k1"], ["k2"]]
    # The rest of k1's write and its own (0.15 s), not a window of its own first (0.3 s).
    assert waited < WRITE / 2 + WRITE + LINGER / 4


WRITE = 0.1


class SlowRecord(Record):
    async def __call__(self, sales: Sequence[PosSale]) -> list[Outcome]:
        await asyncio.sleep(WRITE)
        return await super().__call__(sales)
