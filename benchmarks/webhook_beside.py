"""benchmarks/purchase_path.py rerun beside the webhooks' load (``webhooks.py
--beside-purchase-path``): as it is, and with every purchase's event delivered by the server's
own webhook worker to a receiver process while wrk buys, in alternating pairs.

The run with webhooks is purchase_path.py itself, its seeding wrapped to also subscribe the receiver
(``--with-webhook`` of this module, run as a process of its own).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

from webhook_bench import SECRET, ReceiverProcess, subscribe

from flashsale.record.sql_store import SqlStore

HERE = Path(__file__).parent
RATIO = re.compile(r"ratio purchase \(events on\)/trivial: ([\d.]+)")
PURCHASES = re.compile(r"POST purchases \(events on\)\s+([\d,]+)")
TRIVIAL = re.compile(r"GET /healthz \(trivial\)\s+([\d,]+)")


def purchase_path(args: argparse.Namespace, webhook_url: str | None) -> str:
    command = [
        sys.executable, str(HERE / "purchase_path.py"), "--events", "on",
        "--runs", str(args.pp_runs), "--seconds", str(args.pp_seconds),
        "--fans-per-run", str(args.pp_fans_per_run),
    ]  # fmt: skip
    if webhook_url is not None:
        command = [sys.executable, __file__, "--with-webhook", webhook_url, *command[2:]]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or RATIO.search(done.stdout) is None:
        raise RuntimeError(f"purchase_path.py failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def beside_purchase_path(args: argparse.Namespace) -> int:
    """``--pp-pairs`` pairs of runs, alone and with webhooks, each pair in the other order than
    the one before it (a drift of the machine then cancels rather than favours one side)."""
    found: dict[str, list[tuple[float, float, float]]] = {ALONE: [], BESIDE: []}
    delivered = 0
    with ReceiverProcess(SECRET) as receiver:
        for pair in range(args.pp_pairs):
            order = (ALONE, BESIDE) if pair % 2 == 0 else (BESIDE, ALONE)
            for name in order:
                print(f"pair {pair + 1}: purchase_path.py {name} ...", flush=True)
                before = receiver.stats()["distinct"]
                out = purchase_path(args, receiver.url if name == BESIDE else None)
                found[name].append(_figures(out))
                delivered += receiver.stats()["distinct"] - before
                purchases, trivial, ratio = found[name][-1]
                print(
                    f"  purchases {purchases:,.0f}/s, trivial {trivial:,.0f}/s, ratio {ratio:.2f}"
                )
        stats = receiver.stats()
    print()
    for name, runs in found.items():
        print(
            f"{name:<14} medians: purchases {_median(runs, 0):,.0f}/s,"
            f" trivial {_median(runs, 1):,.0f}/s, ratio {_median(runs, 2):.3f}"
        )
    print(
        f"webhooks delivered during the runs with them: {delivered:,} events"
        f" ({stats['verified']} signatures verified, {stats['bad']} bad); the rest were still"
        " pending when their server stopped (a server's worker yields to its purchases)"
    )
    purchases = _median(found[BESIDE], 0) / _median(found[ALONE], 0)
    ratio = _median(found[BESIDE], 2) / _median(found[ALONE], 2)
    print(f"purchases/s with webhooks / alone: {purchases:.3f}")
    # The trivial endpoint is measured while no one buys, when the worker catches up: that
    # pulls the second ratio's denominator down, so the purchases are the fairer figure.
    print(f"purchase/trivial with webhooks / alone: {ratio:.3f} (target >= 0.95)")
    return 0


ALONE, BESIDE = "alone", "with webhooks"


def _figures(out: str) -> tuple[float, float, float]:
    purchases, trivial, ratio = PURCHASES.search(out), TRIVIAL.search(out), RATIO.search(out)
    assert purchases is not None and trivial is not None and ratio is not None
    return (
        float(purchases.group(1).replace(",", "")),
        float(trivial.group(1).replace(",", "")),
        float(ratio.group(1)),
    )


def _median(runs: list[tuple[float, float, float]], index: int) -> float:
    return float(statistics.median(run[index] for run in runs))


def run_with_webhook(url: str, rest: list[str]) -> int:
    """purchase_path.py's main, its database seeded with a subscription to ``url`` too."""
    sys.path.insert(0, str(HERE))
    import purchase_path

    original = purchase_path.seed

    async def seeded(database_url: str, fans: int) -> tuple[str, list[str]]:
        found = await original(database_url, fans)
        store = await SqlStore.open(database_url)
        try:
            await subscribe(store, url)
        finally:
            await store.close()
        return found

    purchase_path.seed = seeded
    sys.argv = [str(HERE / "purchase_path.py"), *rest]
    result: int = purchase_path.main()
    return result


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--with-webhook":
        raise SystemExit(run_with_webhook(sys.argv[2], sys.argv[3:]))
    raise SystemExit("run benchmarks/webhooks.py --beside-purchase-path")
