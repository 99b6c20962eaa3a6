"""The supervisor's column chart: stacked, scaled to the tallest column, every value titled."""

from __future__ import annotations

import pytest

from flashsale.web.desk_chart import AXIS, stacked_columns


def test_series_stack_and_the_tallest_column_fills_the_plot() -> None:
    chart = stacked_columns(
        ["00", "01", "02"], [("deflected", [2, 0, 6]), ("to a person", [2, 1, 2])], height=100
    )
    plot = 100 - AXIS
    assert chart.top == 8 and chart.baseline == plot
    tallest = chart.columns[2]
    assert sum(s.height for s in tallest.segments) == pytest.approx(plot, abs=0.2)
    low, high = tallest.segments
    assert (low.series, high.series) == (0, 1)
    assert low.y + low.height == pytest.approx(plot, abs=0.1)  # on the baseline
    assert high.y + high.height == pytest.approx(low.y, abs=0.1)  # on top of the first
    # a zero draws nothing, but its value is still said
    assert [s.series for s in chart.columns[1].segments] == [1]
    assert chart.columns[1].title == "01: deflected 0, to a person 1"


def test_an_empty_day_draws_its_axis_only() -> None:
    chart = stacked_columns([f"{h:02d}" for h in range(24)], [("breaches", [0] * 24)])
    assert len(chart.columns) == 24 and all(not c.segments for c in chart.columns)
    assert chart.top == 1  # no division by zero
    xs = [c.x for c in chart.columns]
    assert xs == sorted(xs) and xs[-1] < chart.width


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="one value per label"):
        stacked_columns(["00", "01"], [("opened", [1])])
