"""The service day's plan: the festival's curve, the options it refuses, the step it takes."""

from __future__ import annotations

import random

import pytest

from flashsale.lab.service_day import ServiceDay, ServiceDayError, arrivals


def test_the_curve_puts_30_percent_in_the_first_hour_and_ends_with_the_day() -> None:
    times = arrivals(10_000, random.Random(1))
    assert times == sorted(times) and len(times) == 10_000
    first_hour = sum(t < 3600 for t in times)
    assert first_hour == pytest.approx(3_000, abs=150)  # 30 %, and a little of the decay
    assert times[0] >= 0 and times[-1] < 24 * 3600
    second, last = sum(3600 <= t < 7200 for t in times), sum(t >= 23 * 3600 for t in times)
    assert second > 5 * last  # decaying


@pytest.mark.parametrize(
    ("contacts", "agents", "share", "named"),
    [(0, 1800, 0.6, "--contacts"), (10, 5, 0.6, "--agents"), (10, 12, 1.5, "--self-service")],
)
def test_a_day_that_cannot_run_is_refused(
    contacts: int, agents: int, share: float, named: str
) -> None:
    with pytest.raises(ServiceDayError, match=named):
        ServiceDay(contacts, agents, share)


def test_the_festival_is_the_default_and_a_small_day_takes_longer_steps() -> None:
    day = ServiceDay.of()
    assert (day.contacts, day.agents, day.self_service, day.tick) == (1_000_000, 1_800, 0.6, 1)
    assert ServiceDay.of(20_000).tick == 2
    assert ServiceDay.of(300, 12, 0.5, 7).tick == 15 and ServiceDay.of(300, seed=7).seed == 7
