"""The in-process worker's pace: a trickle while its process sells fast, all out otherwise."""

from __future__ import annotations

from flashsale.kernel.pace import Pace


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_busy_while_purchases_come_fast_and_for_a_moment_after() -> None:
    purchases = [0.0]
    clock = Ticking()
    pace = Pace(lambda: purchases[0], busy_rate=200, quiet_seconds=2.0, monotonic=clock)
    assert not pace.busy()
    clock.now += 0.5
    purchases[0] += 150  # 300 a second
    assert pace.busy()
    clock.now += 0.1
    assert pace.busy()  # not sampled again yet: still busy
    clock.now += 1.0
    assert pace.busy()  # nothing sold for 1.1 s, but within the quiet spell
    assert pace.busy()  # either loop may ask
    clock.now += 1.0
    assert not pace.busy()  # quiet for 2 s
    clock.now += 1.0
    purchases[0] += 100  # 100 a second: a trickle of buyers, delivered at once
    assert not pace.busy()


def test_a_process_that_sells_nothing_is_never_busy() -> None:
    assert not Pace().busy()
