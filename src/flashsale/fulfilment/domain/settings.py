"""How a market fulfils: its strategy, its ranked locations, splits, returns, its cutoff."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import time

from flashsale.kernel.errors import InvalidInput

MAX_RETURN_WINDOW_DAYS = 365
DEFAULT_RETURN_WINDOW_DAYS = 7
DEFAULT_CUTOFF = time(17, 0)


class Strategy(enum.StrEnum):
    NEAREST = "nearest"  # the rank of the order's region, then distance, then most allotment
    RANKED = "ranked"  # the market's fixed order of locations
    MOST_STOCK = "most_stock"  # the location with most available


# Each strategy is tried first and the ones after it follow: an order ``nearest`` cannot place
# (no region, or no DC serving its region has it) goes down the market's ranked list, then to
# whichever location has most.
CHAIN = (Strategy.NEAREST, Strategy.RANKED, Strategy.MOST_STOCK)


def chain_from(first: Strategy) -> tuple[Strategy, ...]:
    return CHAIN[CHAIN.index(first) :]


@dataclass(frozen=True, slots=True)
class MarketFulfilment:
    market_code: str
    strategy: Strategy = Strategy.NEAREST
    ranked_locations: tuple[str, ...] = field(default_factory=tuple)
    allow_split: bool = False
    return_window_days: int = DEFAULT_RETURN_WINDOW_DAYS
    cutoff: time = DEFAULT_CUTOFF  # local time: paid before it, shipped the same day

    def check_new(self, known_locations: set[str]) -> None:
        if not 0 <= self.return_window_days <= MAX_RETURN_WINDOW_DAYS:
            raise InvalidInput(f"return_window_days: 0 to {MAX_RETURN_WINDOW_DAYS}")
        if len(set(self.ranked_locations)) != len(self.ranked_locations):
            raise InvalidInput("ranked_locations: a location is named twice")
        unknown = [code for code in self.ranked_locations if code not in known_locations]
        if unknown:
            raise InvalidInput(
                f"ranked_locations: no location {', '.join(unknown[:5])} in {self.market_code}"
            )
        if self.cutoff.tzinfo is not None:
            raise InvalidInput("cutoff_local_time: a local time of day, without an offset")
