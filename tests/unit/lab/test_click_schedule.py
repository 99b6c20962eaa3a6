"""The crowd's click schedule: arrival order, lateness, and fans who come back."""

from __future__ import annotations

import asyncio
import time

from flashsale.lab.crowd.schedule import ClickSchedule


async def _serve(
    schedule: ClickSchedule[str], workers: int, comes_back: set[str]
) -> list[tuple[str, bool, float]]:
    served: list[tuple[str, bool, float]] = []

    async def work() -> None:
        while (item := await schedule.next()) is not None:
            late, fan, again = item
            served.append((fan, again, late))
            await asyncio.sleep(0.01)  # a request in flight
            if fan in comes_back and not again:
                schedule.add(0.05, fan, True)
            schedule.done()

    await asyncio.gather(*(work() for _ in range(workers)))
    return served


async def test_clicks_are_served_in_arrival_order_not_before_they_are_due() -> None:
    opened_at = time.monotonic() + 0.02
    schedule = ClickSchedule(opened_at, [(0.03, "c", False), (0.0, "a", False), (0.01, "b", False)])
    served = await _serve(schedule, workers=1, comes_back=set())
    assert [fan for fan, _, _ in served] == ["a", "b", "c"]
    assert time.monotonic() >= opened_at + 0.03


async def test_a_click_no_worker_is_free_for_is_served_late_and_says_so() -> None:
    schedule = ClickSchedule(time.monotonic(), [(0.0, f"fan{n}", False) for n in range(4)])
    served = await _serve(schedule, workers=1, comes_back=set())
    lates = [late for _, _, late in served]
    assert lates == sorted(lates) and lates[-1] >= 0.025  # three requests ahead of it


async def test_workers_wait_for_a_fan_who_comes_back_while_another_is_served() -> None:
    schedule = ClickSchedule(time.monotonic(), [(0.0, "returner", False)])
    served = await _serve(schedule, workers=3, comes_back={"returner"})
    assert [(fan, again) for fan, again, _ in served] == [
        ("returner", False),
        ("returner", True),
    ]
