"""A flash sale: one SKU in one market, a fixed stock, a per-customer limit and a timetable.

Its state is derived from the server's clock and the stock left, never stored, so that no
scheduler has to flip it and no client clock can move it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money

DEFAULT_PAYMENT_WINDOW = timedelta(minutes=15)
MAX_STOCK = 100_000_000
MAX_PER_CUSTOMER_LIMIT = 1_000_000
# Every moment of a new timetable lies within these: far enough from year 1 and 9999 that no
# offset, freeze or grace period added to one leaves the range Python's datetime can hold.
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2100, 1, 1, tzinfo=UTC)
TIMETABLE = ("registration_opens_at", "registration_closes_at", "opens_at", "closes_at")


class SaleState(enum.StrEnum):
    SCHEDULED = "scheduled"
    REGISTRATION = "registration"
    WAITING = "waiting"
    OPEN = "open"
    SOLD_OUT = "sold_out"
    CLOSED = "closed"


def require_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        raise InvalidInput(f"{name} must be a UTC time (with an offset of +00:00 or Z)")
    return moment


def moment_in_range(moment: datetime) -> bool:
    """True for an aware moment within [EARLIEST_MOMENT, LATEST_MOMENT]; compares without
    converting, so a moment whose offset would carry it out of datetime's range is just False."""
    return EARLIEST_MOMENT <= moment <= LATEST_MOMENT


@dataclass(frozen=True, slots=True)
class FlashSale:
    id: str
    sku: str
    market_code: str
    price: Money
    stock_total: int
    per_customer_limit: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    opens_at: datetime
    closes_at: datetime
    payment_window: timedelta = DEFAULT_PAYMENT_WINDOW

    def __post_init__(self) -> None:
        for name in TIMETABLE:
            require_utc(getattr(self, name), name)
        if not 0 < self.stock_total <= MAX_STOCK:
            raise InvalidInput(f"stock must be between 1 and {MAX_STOCK}")
        if not 0 < self.per_customer_limit <= MAX_PER_CUSTOMER_LIMIT:
            raise InvalidInput(f"per_customer_limit must be between 1 and {MAX_PER_CUSTOMER_LIMIT}")
        if self.payment_window <= timedelta(0):
            raise InvalidInput("payment_window_seconds must be positive")
        if not (
            self.registration_opens_at
            < self.registration_closes_at
            <= self.opens_at
            < self.closes_at
        ):
            raise InvalidInput(
                "the timetable must run registration_opens_at < registration_closes_at"
                " <= opens_at < closes_at"
            )

    def check_bookable(self) -> None:
        """Refuse (InvalidInput) a timetable outside [EARLIEST_MOMENT, LATEST_MOMENT].

        Asked of every sale created or edited, not in ``__post_init__``: a sale stored before
        the bound existed must still load, so that the shop can show and serve the others.
        """
        for name in TIMETABLE:
            if not moment_in_range(getattr(self, name)):
                raise InvalidInput(
                    f"{name} must lie between {EARLIEST_MOMENT.isoformat()}"
                    f" and {LATEST_MOMENT.isoformat()}"
                )

    def state_at(self, now: datetime, stock_left: int) -> SaleState:
        if now < self.registration_opens_at:
            return SaleState.SCHEDULED
        if now < self.registration_closes_at:
            return SaleState.REGISTRATION
        if now < self.opens_at:
            return SaleState.WAITING
        if now >= self.closes_at:
            return SaleState.CLOSED
        if stock_left <= 0:
            return SaleState.SOLD_OUT
        return SaleState.OPEN

    def accepts_registration_at(self, now: datetime) -> bool:
        return self.registration_opens_at <= now < self.registration_closes_at
