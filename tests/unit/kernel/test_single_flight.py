"""SingleFlight: one call per key in flight, shared; a caller's cancel spares the others."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from flashsale.kernel.single_flight import SingleFlight


async def test_callers_of_one_key_share_one_call_and_other_keys_run_their_own() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    calls: list[str] = []
    release = asyncio.Event()

    def reading(key: str) -> Callable[[], Awaitable[str]]:
        async def read() -> str:
            calls.append(key)
            await release.wait()
            return key.upper()

        return read

    waiting = [asyncio.ensure_future(flights.do(k, reading(k))) for k in ("a", "a", "b", "a")]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == ["A", "A", "B", "A"]
    assert sorted(calls) == ["a", "b"]
    assert await flights.do("a", reading("a")) == "A"  # done: the next asks again
    assert sorted(calls) == ["a", "a", "b"]


async def test_a_caller_that_gives_up_does_not_cancel_the_call_the_others_wait_for() -> None:
    flights: SingleFlight[None, int] = SingleFlight()
    release = asyncio.Event()

    async def read() -> int:
        await release.wait()
        return 7

    impatient = asyncio.ensure_future(flights.do(None, read))
    patient = asyncio.ensure_future(flights.do(None, read))
    await asyncio.sleep(0)
    impatient.cancel()
    release.set()
    assert await patient == 7
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_a_failed_call_fails_its_callers_and_the_next_call_runs_again() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    attempts = 0

    async def flaky() -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("the database went away")
        return attempts

    with pytest.raises(ConnectionError):
        await flights.do("k", flaky)
    assert await flights.do("k", flaky) == 2
