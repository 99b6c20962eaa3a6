"""A click & collect order on a store's shelf: set aside by a clerk with its pickup code, then
collected with that code or, after the store's ``pickup_days``, given up."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

CODE_DIGITS = 6


class PickupStatus(enum.StrEnum):
    READY = "ready"  # on the shelf, set aside, its code open
    COLLECTED = "collected"
    EXPIRED = "expired"  # not collected in time: the order is cancelled and refunded


@dataclass(frozen=True, slots=True)
class Pickup:
    order_id: str
    store: str  # the store's location code
    fulfilment_order_id: str
    code: str  # six digits, unique among the store's ready pickups
    status: PickupStatus
    ready_at: datetime
    due_at: datetime  # uncollected by then: given up
    closed_at: datetime | None = None
    clerk: str | None = None  # staff id of who readied it, then of who handed it over

    @property
    def qr_text(self) -> str:
        """What its QR code encodes: the code alone, which the clerk's scanner types in."""
        return self.code


def new_code() -> str:
    """Six random digits (the OS's CSPRNG): one in a million per guess, which the wrong-code
    limit per store (``service/pickup_throttle.py``) makes too slow to find by trying."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def is_code(text: str) -> bool:
    return len(text) == CODE_DIGITS and text.isascii() and text.isdigit()
