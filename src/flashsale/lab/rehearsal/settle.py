"""After the crowd: let walked-away reservations expire and go back, then take the audit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flashsale.lab.crowd.outcomes import Reservation
from flashsale.lab.rehearsal.admin import AdminClient

# A few sweeps of the server's expiry sweeper (a second each by default) after the last due.
SWEEP_MARGIN_SECONDS = 3.0
POLL_SECONDS = 0.25
# A long payment window is not waited out: its reservations show as awaiting payment, which
# the audit counts as sold and clean.
MAX_WAIT_SECONDS = 60.0


def settle_deadline(
    reservations: Sequence[Reservation], payment_window_seconds: float, now: datetime
) -> float:
    """Seconds to wait at most: until the last acknowledged reservation is due, plus sweeps."""
    if not reservations:
        return 0.0
    last_due = max(r.expires_at for r in reservations)
    until_due = min((last_due - now).total_seconds(), payment_window_seconds)
    return min(MAX_WAIT_SECONDS, max(0.0, until_due) + SWEEP_MARGIN_SECONDS)


async def settled_audit(
    admin: AdminClient,
    sale_id: str,
    reservations: Sequence[Reservation],
    payment_window_seconds: float,
) -> dict[str, Any]:
    """The audit once nothing awaits payment and the gate agrees, or when the wait is over.

    The sweeper closes orders in the store before it gives their units back to the gate, so a
    moment of disagreement is expected; one that outlasts the wait is reported as found.
    """
    wait = settle_deadline(reservations, payment_window_seconds, datetime.now(UTC))
    deadline = time.monotonic() + wait
    while True:
        audit = await admin.audit(sale_id)
        settled = audit.get("reserved") == 0 and audit.get("conservation_ok") is True
        if settled or time.monotonic() >= deadline:
            return audit
        await asyncio.sleep(POLL_SECONDS)
