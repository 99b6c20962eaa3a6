"""``flashsale simulate --scenario service-day`` on a small day: every contact becomes a case,
every case is solved (by the record's answer or an agent's macro), the desk's own figures agree
with the day's counts, and the report says so."""

from __future__ import annotations

import re

from tests.e2e.test_cli import Invoke, invoke

__all__ = ["invoke"]


def test_a_small_service_day_is_rehearsed_and_checked(invoke: Invoke) -> None:
    result = invoke(
        "simulate", "--scenario", "service-day",
        "--contacts", "240", "--agents", "12", "--self-service", "0.5", "--seed", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert "240 contacts, 12 agents, 50% self-service" in out
    assert "Checks: every contact a case, every case solved, the record agrees." in out
    routed = int(re.search(r"routed\s*│\s*([\d,]+)", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    deflected = re.search(r"deflected\s*│\s*([\d,]+) \((\d+\.\d)%\)", out)
    assert deflected is not None
    assert routed + int(deflected.group(1)) == 240
    assert 35 <= float(deflected.group(2)) <= 65  # half asked, drawn at random
    assert "Per hour (Asia/Shanghai)" in out and "04-08 10:00" in out  # the festival's opening


def test_a_bad_option_is_refused_before_anything_runs(invoke: Invoke) -> None:
    refused = invoke("simulate", "--scenario", "service-day", "--agents", "3")
    assert refused.exit_code == 2 and "--agents: at least 6" in refused.output
