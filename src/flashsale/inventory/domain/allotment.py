"""A sale's allotments: its stock spread over locations and committed there.

The gate sells from the sale's stock; the allotments are the contract between the gate and the
DCs, so they add up to that stock. A unit allotted is ``committed`` at its location: nothing
else sells it. When an order of the sale is allocated there, the unit moves from committed to
allocated (``drawn``); should that order be cancelled while the sale runs, it goes back to the
allotment (the gate sells it again). After the sale, what it did not sell is released: the
allotment shrinks to what was drawn (and what paid orders still waiting for allocation need).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flashsale.inventory.errors import AllotmentsDoNotSum
from flashsale.kernel.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Allotment:
    sale_id: str
    location: str
    sku: str
    quantity: int  # allotted
    drawn: int = 0  # handed to fulfilment orders of the sale
    closed: bool = False  # the sale has ended: released units went back to free stock

    @property
    def remaining(self) -> int:
        """Still committed at the location."""
        return self.quantity - self.drawn


def check_allotments(quantities: Mapping[str, int], stock: int) -> None:
    """Each allotment positive and all of them the sale's stock, or refused naming both."""
    for location, quantity in quantities.items():
        if quantity <= 0:
            raise InvalidInput(f"allotments: {location} is given {quantity}; give 1 or more")
    total = sum(quantities.values())
    if total != stock:
        raise AllotmentsDoNotSum(
            f"the allotments add up to {total} but the sale's stock is {stock}"
        )


def proportional(total: int, free: Mapping[str, int]) -> dict[str, int]:
    """``total`` units (at most what is free) spread over locations in proportion to their
    free stock, by largest remainder; never more than a location has free, ties to the first
    code."""
    available = {code: units for code, units in sorted(free.items()) if units > 0}
    pool = sum(available.values())
    wanted = min(total, pool)
    if wanted <= 0:
        return {}
    shares = {code: wanted * units // pool for code, units in available.items()}
    left = wanted - sum(shares.values())
    by_remainder = sorted(available, key=lambda code: (-(wanted * available[code] % pool), code))
    for code in by_remainder:
        if left == 0:
            break
        if shares[code] < available[code]:
            shares[code] += 1
            left -= 1
    return {code: units for code, units in shares.items() if units > 0}


def trimmed(allotments: list[Allotment], keep: int) -> dict[str, int]:
    """New remaining per location once a closed sale keeps ``keep`` committed units (for paid
    orders not yet allocated), the rest released; the largest remainders are kept first."""
    left = max(0, keep)
    result: dict[str, int] = {}
    for allotment in sorted(allotments, key=lambda a: (-a.remaining, a.location)):
        kept = min(left, allotment.remaining)
        result[allotment.location] = kept
        left -= kept
    return result
