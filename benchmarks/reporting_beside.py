"""benchmarks/purchase_path.py rerun with the reporting projector running in the server beside
the purchases, and without it, in alternating pairs: what projecting the feed costs the sale.

    python benchmarks/reporting_beside.py [--pairs 1] [--runs 3] [--seconds 6]

The projector runs inside `flashsale serve` (embedded default). "Without" is the same server
with FLASHSALE_REPORTS_POLL_SECONDS=60: its projector reads the (empty) feed once at start and
then sleeps past the whole purchase_path run. Everything else (webhooks, order mail,
fulfilment) is the same on both sides. The projector yields to the purchase path while the
process sells faster than 200 purchases a second (``Pace``), and catches up while wrk measures
the trivial endpoint: the purchases per second are the fairer figure.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
RATIO = re.compile(r"ratio purchase \(events on\)/trivial: ([\d.]+)")
PURCHASES = re.compile(r"POST purchases \(events on\)\s+([\d,]+)")
TRIVIAL = re.compile(r"GET /healthz \(trivial\)\s+([\d,]+)")
WITH, WITHOUT = "with the projector", "without it"


def purchase_path(args: argparse.Namespace, projector: bool) -> tuple[float, float, float]:
    command = [
        sys.executable, str(HERE / "purchase_path.py"), "--events", "on",
        "--runs", str(args.runs), "--seconds", str(args.seconds),
        "--fans-per-run", str(args.fans_per_run),
    ]  # fmt: skip
    env = dict(os.environ)
    env.pop("FLASHSALE_REPORTS_POLL_SECONDS", None)
    if not projector:
        env["FLASHSALE_REPORTS_POLL_SECONDS"] = "60"
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = PURCHASES.search(done.stdout), TRIVIAL.search(done.stdout), RATIO.search(done.stdout)
    if done.returncode != 0 or None in found:
        raise RuntimeError(f"purchase_path.py failed:\n{done.stdout}\n{done.stderr}")
    purchases, trivial, ratio = (m.group(1) for m in found if m is not None)
    return float(purchases.replace(",", "")), float(trivial.replace(",", "")), float(ratio)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--fans-per-run", type=int, default=60_000)
    args = parser.parse_args()
    found: dict[str, list[tuple[float, float, float]]] = {WITH: [], WITHOUT: []}
    for pair in range(args.pairs):
        # Each pair in the other order than the one before: a drift of the machine cancels.
        for name in (WITH, WITHOUT) if pair % 2 == 0 else (WITHOUT, WITH):
            print(f"pair {pair + 1}: purchase_path.py {name} ...", flush=True)
            found[name].append(purchase_path(args, name == WITH))
            purchases, trivial, ratio = found[name][-1]
            print(f"  purchases {purchases:,.0f}/s, trivial {trivial:,.0f}/s, ratio {ratio:.3f}")
    medians = {
        name: [statistics.median(run[i] for run in runs) for i in range(3)]
        for name, runs in found.items()
    }
    for name, (purchases, trivial, ratio) in medians.items():
        print(
            f"{name:<20} medians: purchases {purchases:,.0f}/s, trivial {trivial:,.0f}/s,"
            f" ratio {ratio:.3f}"
        )
    print(f"purchases/s with the projector / without: {medians[WITH][0] / medians[WITHOUT][0]:.3f}"
          " (target >= 0.95)")  # fmt: skip
    print(f"purchase/trivial with / without: {medians[WITH][2] / medians[WITHOUT][2]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
