"""Reconciling a partner: per market-local day and SKU, what its reports said it sold, what we
imported, what that consumed of the pools, what we rejected and what came back.

Rejected ``pool-exhausted`` units are the partner's oversell: sold past what it was given.
They are shown, never netted away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True, slots=True)
class DaySku:
    day: date
    sku: str
    reported: int  # units in the partner's reports (every stored line)
    imported: int  # units of lines taken in: consumed from a pool, or fulfilled by the partner
    consumed: int  # of them, units taken from our pools
    rejected: int  # units refused, for any problem
    oversold: int  # of them, units refused because the pool was exhausted
    returned: int  # units the partner cancelled or sent back, on the day it reported them

    @property
    def partner_oversold(self) -> bool:
        return self.oversold > 0


@dataclass(frozen=True, slots=True)
class Reconciliation:
    channel: str
    start: date
    end: date  # inclusive
    rows: tuple[DaySku, ...]

    @property
    def oversold(self) -> int:
        return sum(row.oversold for row in self.rows)

    @property
    def partner_oversold(self) -> bool:
        return self.oversold > 0


def with_returned(rows: Iterable[DaySku], returned: Mapping[tuple[date, str], int]) -> list[DaySku]:
    """The rows with each (day, SKU)'s returned units, by day and SKU; a day with returns and no
    sales gets a row of its own."""
    by_key = {(row.day, row.sku): row for row in rows}
    for key, units in returned.items():
        row = by_key.get(key) or DaySku(key[0], key[1], 0, 0, 0, 0, 0, 0)
        by_key[key] = replace(row, returned=units)
    return [row for _, row in sorted(by_key.items())]
