"""Allocation strategies: pure functions that rank the locations that might ship an order.

Each takes the order's need and the context (the market's locations and settings, and what is
available where) and returns location codes, best first; an empty list means "not mine to
decide" (``nearest`` for an order without a region, ``ranked`` for a market without a list).
The allocator walks them as a chain (``settings.chain_from``) and takes the first location
that has the whole order (or, where splits are allowed, the first few that have it between
them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flashsale.fulfilment.domain.settings import MarketFulfilment, Strategy
from flashsale.inventory.domain.geography import region_distance_km
from flashsale.inventory.domain.location import Location, LocationKind


@dataclass(slots=True)  # not frozen: one per order of a batch, made in the hot loop
class Need:
    """What one order asks of the warehouse."""

    source_id: str
    sale_id: str
    sku: str
    quantity: int
    region: str | None
    paid_at: datetime
    # Click & collect: the store it is picked up at, which alone may serve it; None: shipped.
    pickup: str | None = None


class Availability:
    """What can still be promised, as decisions take it: free units per (location, SKU) and,
    per (sale, location), what the sale's allotment there still holds."""

    def __init__(
        self, free: Mapping[tuple[str, str], int], allotted: Mapping[tuple[str, str], int]
    ) -> None:
        self.free = dict(free)
        self.allotted = dict(allotted)

    def of(self, need: Need, location: str) -> int:
        return self.allotted.get((need.sale_id, location), 0) + self.free.get(
            (location, need.sku), 0
        )

    def take(self, need: Need, location: str, quantity: int) -> int:
        """Take ``quantity`` (the sale's allotment there first); returns how much came from it."""
        key = (need.sale_id, location)
        from_allotment = min(quantity, self.allotted.get(key, 0))
        if from_allotment:
            self.allotted[key] -= from_allotment
        if quantity > from_allotment:
            self.free[location, need.sku] = self.free.get((location, need.sku), 0) - (
                quantity - from_allotment
            )
        return from_allotment

    def give_back(
        self, sale_id: str, location: str, sku: str, quantity: int, to_allotment: int
    ) -> None:
        if to_allotment:
            key = (sale_id, location)
            self.allotted[key] = self.allotted.get(key, 0) + to_allotment
        if quantity > to_allotment:
            self.free[location, sku] = self.free.get((location, sku), 0) + quantity - to_allotment


@dataclass
class Context:
    """A market's locations (active DCs) and settings, with what is available where."""

    settings: MarketFulfilment
    locations: Sequence[Location]
    available: Availability
    # Per region: the serving locations grouped by (rank, distance), best group first; and,
    # where no two tie, the plain order (most regions: nothing to sort per order).
    _nearest: dict[str | None, list[list[str]]] = field(default_factory=dict)
    _nearest_fixed: dict[str | None, list[str] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.locations = sorted(
            (loc for loc in self.locations if loc.active and loc.kind is LocationKind.DC),
            key=lambda loc: loc.code,
        )
        self.codes = [loc.code for loc in self.locations]
        active = set(self.codes)
        self.ranked = [code for code in self.settings.ranked_locations if code in active]

    def nearest_groups(self, region: str | None) -> list[list[str]]:
        groups = self._nearest.get(region)
        if groups is None:
            keyed: dict[tuple[int, float], list[str]] = {}
            for loc in self.locations:
                rank = loc.rank_of(region)
                if rank is None:
                    continue
                where = None
                if loc.latitude is not None and loc.longitude is not None:
                    where = (loc.latitude, loc.longitude)
                keyed.setdefault((rank, region_distance_km(region, where)), []).append(loc.code)
            groups = [keyed[key] for key in sorted(keyed)]
            self._nearest[region] = groups
        return groups


def nearest(need: Need, ctx: Context) -> list[str]:
    """The locations serving the order's region: best rank, then nearest, then the one whose
    allotment for the sale holds most."""
    if need.region is None:
        return []
    if need.region not in ctx._nearest_fixed:
        groups = ctx.nearest_groups(need.region)
        plain = all(len(g) == 1 for g in groups)
        ctx._nearest_fixed[need.region] = [g[0] for g in groups] if plain else None
    fixed = ctx._nearest_fixed[need.region]
    if fixed is not None:
        return fixed
    found: list[str] = []
    for group in ctx.nearest_groups(need.region):
        if len(group) == 1:
            found.append(group[0])
        else:
            allotted = ctx.available.allotted
            found.extend(sorted(group, key=lambda code: -allotted.get((need.sale_id, code), 0)))
    return found


def ranked(need: Need, ctx: Context) -> list[str]:
    """The market's own order of locations."""
    return ctx.ranked


def most_stock(need: Need, ctx: Context) -> list[str]:
    """Every location, the one with most available for the order first."""
    return sorted(ctx.codes, key=lambda code: (-ctx.available.of(need, code), code))


STRATEGIES: dict[Strategy, Callable[[Need, Context], list[str]]] = {
    Strategy.NEAREST: nearest,
    Strategy.RANKED: ranked,
    Strategy.MOST_STOCK: most_stock,
}
