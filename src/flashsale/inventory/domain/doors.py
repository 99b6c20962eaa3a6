"""The doors a unit leaves by, as the stock audit tells them apart.

Every unit leaves the building by a ``ship`` move and may come back by a ``return_receipt``;
which door it went through is known to the domain that sold it (a till's receipt, a web order's
or a partner line's fulfilment order). A ``DoorLedger`` (inventory/door_ports.py) reports per SKU
and door what left and what came back; the audit checks that the doors together account for
every ship and return move of the ledger, then balances the SKU:

    received = Σ over the doors (shipped − returned) + in pools + on hand + written off

where ``received`` is every unit that came in other than a return (receipts, adjustments,
counts, transfers), ``in pools`` what the partners' pools still hold at the shelves, and ``on
hand`` the rest of the units on the shelves (promised to open fulfilment orders, held for a
sale, or free).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Door(enum.StrEnum):
    WEB = "web"  # the shop's orders delivered home
    CLICK_AND_COLLECT = "click & collect"  # the shop's orders collected at a store
    STORES = "stores"  # sold at a till
    PARTNERS = "partners"  # a marketplace partner's lines shipped from our shelves
    UNKNOWN = "unknown"  # a move no door claims: always a discrepancy
    ALL = "all doors"  # not told apart: no door ledger was given


@dataclass(frozen=True, slots=True)
class DoorCount:
    sku: str
    door: Door
    shipped: int  # units that left by this door
    returned: int  # units that came back from it (received back, fit to sell or not)

    @property
    def sold(self) -> int:
        return self.shipped - self.returned
