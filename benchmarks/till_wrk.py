"""A store chain's tills as wrk drives them (``pos_tills.lua``): one connection a till, each
till's customers at random intervals, every sale a new Idempotency-Key.

The tills are devices in the stores, not on the shop's machine; on this one their generator
takes CPU from what it measures. pos.py's aiohttp generator spends ~850 µs of CPU a sale (at
200 sales/s, a sixth of a core); wrk 150-250 µs (measured, both printed by purchase_beside.py).
So the purchases' ratio beside the tills measures the shop's servers more than the harness.

A till waits for its answer before its next customer (wrk sends a connection's next request
after the answer and the pause), so a slow server slows the arrivals a little: the rate
printed is the one achieved, not the one asked for.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from purchase_path import parse_wrk

HERE = Path(__file__).parent
SCRIPT = HERE / "pos_tills.lua"
PATH = "/api/v1/pos/sales"


@dataclass(frozen=True)
class TillsRun:
    sales: int  # answered 201
    seconds: float
    p50_ms: float
    p99_ms: float
    client_cpu: float  # the generator's CPU seconds
    # Every sale's latency, µs -> sales: the storms of a run pooled give the whole run's p99.
    histogram: Mapping[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.sales / self.seconds

    def line(self) -> str:
        return (
            f"POS {self.sales:,} sales at {self.rate:,.0f}/s, p50 {self.p50_ms:.1f} ms,"
            f" p99 {self.p99_ms:.1f} ms (wrk {self.client_cpu / max(1, self.sales) * 1e6:,.0f}"
            " µs of CPU a sale)"
        )


def histogram_of(seconds: Iterable[float]) -> Counter[int]:
    """Latencies in seconds as a histogram in µs, as pos_tills.lua reports wrk's."""
    return Counter(round(s * 1e6) for s in seconds)


def pooled_percentile(runs: Iterable[TillsRun], q: float) -> float:
    """The ``q``-th percentile (0-100) in ms of every sale of ``runs`` together."""
    pooled: Counter[int] = Counter()
    for run in runs:
        pooled.update(run.histogram)
    total = sum(pooled.values())
    if total == 0:
        return float("nan")
    rank = q / 100 * total
    seen = 0
    for value in sorted(pooled):
        seen += pooled[value]
        if seen >= rank:
            return value / 1000
    return max(pooled) / 1000


def write_tills(headers: list[dict[str, str]], path: Path) -> Path:
    """The tills' credentials as pos_tills.lua reads them: a line a till."""
    lines = [f"{h['Authorization'].removeprefix('Bearer ')} {h['Till-Token']}" for h in headers]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_tills(
    server_url: str, tills_file: Path, tills: int, rate: float, seconds: float, latency_ms: float
) -> TillsRun:
    """``tills`` connections selling ``rate`` sales/s in all for ``seconds``: each till pauses
    ``tills / rate`` seconds less ``latency_ms`` (the answer's expected wait) on average."""
    pause_ms = max(1.0, 1000 * tills / rate - latency_ms)
    run = uuid.uuid4().hex
    command = [
        "nice", "-n", "19",  # the tills are devices in the stores, not on this machine
        "wrk", "-t1", f"-c{tills}", f"-d{seconds:g}s", "--latency", "--timeout", "10s",
        "-s", str(SCRIPT), f"{server_url}{PATH}",
        "--", str(tills_file), run, f"{pause_ms:.3f}", str(tills),
        str(zlib.crc32(run.encode())),
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as wrk:
        assert wrk.stdout is not None
        out = wrk.stdout.read()
        _, status, usage = os.wait4(wrk.pid, 0)
        wrk.returncode = os.waitstatus_to_exitcode(status)
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk for the tills exited {wrk.returncode}: {out}")
    found = parse_wrk(out)
    requests = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if requests is None or found.non_2xx or errors:
        raise RuntimeError(f"the tills' sales: {found.non_2xx} not 2xx, socket errors\n{out}")
    return TillsRun(
        sales=int(requests.group(1)),
        seconds=seconds,
        p50_ms=found.p50_ms,
        p99_ms=found.p99_ms,
        client_cpu=usage.ru_utime + usage.ru_stime,
        histogram={
            int(value): int(count)
            for value, count in re.findall(r"^latency_us (\d+) (\d+)$", out, re.MULTILINE)
        },
    )
