"""Closing a sale early: its timetable ends at the moment the operator closes it.

A sale's state is derived from its timetable (``FlashSale.state_at``), so closing it is a new
timetable, not a flag: every reader of the terms (the gate, the room, the pages, the allotments
released after the close) sees the close without knowing it was early. A sale closed before it
opened never opens: its registration and opening move back to the close, keeping the order the
timetable must have, a microsecond apart.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flashsale.sales.domain.sale import FlashSale

_TICK = timedelta(microseconds=1)


def closed_early(sale: FlashSale, at: datetime) -> FlashSale:
    """The sale with its close at ``at``; the sale itself when it closes at ``at`` or before."""
    if sale.closes_at <= at:
        return sale
    opens_at = min(sale.opens_at, at - _TICK)
    registration_closes_at = min(sale.registration_closes_at, opens_at)
    return replace(
        sale,
        registration_opens_at=min(sale.registration_opens_at, registration_closes_at - _TICK),
        registration_closes_at=registration_closes_at,
        opens_at=opens_at,
        closes_at=at,
    )
