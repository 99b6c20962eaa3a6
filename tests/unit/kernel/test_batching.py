"""The group-commit Batcher: batches form under concurrency, one at a time, failures reach all."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from flashsale.kernel.batching import Batcher


class Recorder:
    """A handler that records each batch, can be held open, and can be told to fail once."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.fail_with: Exception | None = None

    async def __call__(self, items: Sequence[int]) -> list[int]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.batches.append(list(items))
            self.started.set()
            await self.release.wait()
            if self.fail_with is not None:
                failure, self.fail_with = self.fail_with, None
                raise failure
            return [item * 10 for item in items]
        finally:
            self.in_flight -= 1


async def test_a_lone_caller_gets_its_own_answer() -> None:
    handler = Recorder()
    batcher: Batcher[int, int] = Batcher(handler)
    assert await batcher.submit(7) == 70
    assert handler.batches == [[7]]


async def test_concurrent_callers_share_one_batch_and_each_gets_its_answer() -> None:
    handler = Recorder()
    sizes: list[int] = []
    batcher: Batcher[int, int] = Batcher(handler, on_batch=sizes.append)
    answers = await asyncio.gather(*(batcher.submit(i) for i in range(50)))
    assert answers == [i * 10 for i in range(50)]
    assert handler.batches == [list(range(50))]
    assert sizes == [50]


async def test_arrivals_during_a_batch_wait_and_leave_together_in_the_next() -> None:
    handler = Recorder()
    handler.release.clear()
    batcher: Batcher[int, int] = Batcher(handler)
    first = asyncio.create_task(batcher.submit(0))
    await handler.started.wait()
    later = [asyncio.create_task(batcher.submit(i)) for i in range(1, 6)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert handler.batches == [[0]]  # nobody joined the batch already in flight
    handler.release.set()
    assert await asyncio.gather(first, *later) == [0, 10, 20, 30, 40, 50]
    assert handler.batches == [[0], [1, 2, 3, 4, 5]]
    assert handler.most_in_flight == 1


async def test_only_one_batch_is_ever_in_flight_under_a_stream_of_callers() -> None:
    handler = Recorder()
    batcher: Batcher[int, int] = Batcher(handler, max_batch=4)

    async def caller(i: int) -> int:
        await asyncio.sleep(0.0001 * (i % 7))
        return await batcher.submit(i)

    answers = await asyncio.gather(*(caller(i) for i in range(200)))
    assert answers == [i * 10 for i in range(200)]
    assert handler.most_in_flight == 1
    assert sorted(i for batch in handler.batches for i in batch) == list(range(200))


@pytest.mark.parametrize("max_batch", [1, 3, 16])
async def test_max_batch_is_respected_and_order_kept(max_batch: int) -> None:
    handler = Recorder()
    batcher: Batcher[int, int] = Batcher(handler, max_batch=max_batch)
    await asyncio.gather(*(batcher.submit(i) for i in range(40)))
    assert all(len(batch) <= max_batch for batch in handler.batches)
    assert [i for batch in handler.batches for i in batch] == list(range(40))
    assert len(handler.batches) == -(-40 // max_batch)


async def test_a_handler_failure_reaches_every_caller_of_that_batch_only() -> None:
    handler = Recorder()
    handler.release.clear()
    batcher: Batcher[int, int] = Batcher(handler)
    failing = [asyncio.create_task(batcher.submit(i)) for i in range(3)]
    await handler.started.wait()
    handler.fail_with = ConnectionError("disk on fire")
    next_batch = [asyncio.create_task(batcher.submit(i)) for i in range(3, 5)]
    await asyncio.sleep(0)
    handler.release.set()
    outcomes = await asyncio.gather(*failing, *next_batch, return_exceptions=True)
    assert [type(o) for o in outcomes[:3]] == [ConnectionError] * 3
    assert outcomes[3:] == [30, 40]


async def test_the_batcher_keeps_working_after_a_failure() -> None:
    handler = Recorder()
    handler.fail_with = RuntimeError("once")
    batcher: Batcher[int, int] = Batcher(handler)
    with pytest.raises(RuntimeError, match="once"):
        await batcher.submit(1)
    assert await batcher.submit(2) == 20


async def test_a_handler_that_answers_too_few_fails_the_whole_batch() -> None:
    async def short(items: Sequence[int]) -> list[int]:
        return list(items)[:-1]

    batcher: Batcher[int, int] = Batcher(short)
    outcomes = await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert "answer every item" in str(outcomes[0])


async def test_a_cancelled_caller_does_not_break_the_others() -> None:
    handler = Recorder()
    handler.release.clear()
    batcher: Batcher[int, int] = Batcher(handler)
    tasks = [asyncio.create_task(batcher.submit(i)) for i in range(4)]
    await handler.started.wait()
    tasks[1].cancel()
    handler.release.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert [outcomes[0], outcomes[2], outcomes[3]] == [0, 20, 30]
    assert await batcher.submit(9) == 90


async def test_a_caller_cancelled_before_its_batch_starts_does_not_break_it() -> None:
    handler = Recorder()
    batcher: Batcher[int, int] = Batcher(handler)
    tasks = [asyncio.create_task(batcher.submit(i)) for i in range(3)]
    await asyncio.sleep(0)  # queued, batch not yet taken
    tasks[0].cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[0], asyncio.CancelledError)
    assert outcomes[1:] == [10, 20]


async def test_wait_idle_returns_once_every_batch_is_done() -> None:
    handler = Recorder()
    handler.release.clear()
    batcher: Batcher[int, int] = Batcher(handler)
    task = asyncio.create_task(batcher.submit(5))
    await handler.started.wait()
    idle = asyncio.create_task(batcher.wait_idle())
    await asyncio.sleep(0)
    assert not idle.done()
    handler.release.set()
    await idle
    assert task.done()
    assert task.result() == 50


async def test_wait_idle_on_an_idle_batcher_returns_at_once() -> None:
    batcher: Batcher[int, int] = Batcher(Recorder())
    await asyncio.wait_for(batcher.wait_idle(), timeout=1)


async def test_a_failing_batch_observer_fails_the_batch_instead_of_stranding_it() -> None:
    handler = Recorder()
    calls: list[int] = []

    def observer(size: int) -> None:
        calls.append(size)
        if len(calls) == 1:
            raise ValueError("metrics backend down")

    batcher: Batcher[int, int] = Batcher(handler, on_batch=observer)
    outcomes = await asyncio.wait_for(
        asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True), timeout=1
    )
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert await asyncio.wait_for(batcher.submit(3), timeout=1) == 30
