"""Allocation strategies: pure functions that rank the locations that might ship an order.

Each takes the order's need and the context (the market's locations and settings, and what is
available where) and returns location codes, best first; an empty list means "not mine to
decide" (``nearest`` for an order without a region, ``ranked`` for a market without a list).
The allocator walks them as a chain (``settings.chain_from``) and takes the first location
that has the whole order (or, where splits are allowed, the first few that have it between
them).

Home delivery ships from the distribution centres; a store's shelf joins only where its profile
says ``ships_online``, and then **after every DC** in each strategy's list (the DCs of the
order's region first, then the stores serving it; the market's ranked DCs, then its ranked
stores; the DCs by stock, then the stores by stock). A shop keeps its shelf for the people who
walk in, and the DCs are built to pick and pack; a store ships a parcel only when no DC the
strategy names can (as Shopify's and Saleor's "ship from store" leave it to the operator).
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

    def take_whole(self, need: Need, location: str) -> int | None:
        """``take`` the whole order at ``location`` if it has it there (``of``); None, and
        nothing taken, if not. One look-up of each key where ``of`` then ``take`` make two:
        this is the allocator's loop."""
        quantity = need.quantity
        key = (need.sale_id, location)
        allotted = self.allotted.get(key, 0)
        stock = (location, need.sku)
        free = self.free.get(stock, 0)
        if allotted + free < quantity:
            return None
        from_allotment = min(quantity, allotted)
        if from_allotment:
            self.allotted[key] = allotted - from_allotment
        if quantity > from_allotment:
            self.free[stock] = free - (quantity - from_allotment)
        return from_allotment

    def give_back(
        self, sale_id: str, location: str, sku: str, quantity: int, to_allotment: int
    ) -> None:
        if to_allotment:
            key = (sale_id, location)
            self.allotted[key] = self.allotted.get(key, 0) + to_allotment
        if quantity > to_allotment:
            self.free[location, sku] = self.free.get((location, sku), 0) + quantity - to_allotment


@dataclass(frozen=True, slots=True)
class StoreOptions:
    """What the stores' profiles allow fulfilment to do with their shelves (read through
    ``fulfilment.ports.StoreOptionsReader``: fulfilment knows no store but by its code)."""

    ships_online: frozenset[str] = frozenset()  # may ship home deliveries, after the DCs
    by_transfer: frozenset[str] = frozenset()  # a pickup there may come from a DC by transfer


@dataclass
class Context:
    """A market's locations (active DCs, then the active stores that ship online) and
    settings, with what is available where."""

    settings: MarketFulfilment
    locations: Sequence[Location]
    available: Availability
    stores: StoreOptions = field(default_factory=StoreOptions)
    # Per region: the serving locations grouped by (rank, distance), best group first; and,
    # where no two tie, the plain order (most regions: nothing to sort per order).
    _nearest: dict[str | None, list[list[str]]] = field(default_factory=dict)
    _nearest_fixed: dict[str | None, list[str] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        active = sorted((loc for loc in self.locations if loc.active), key=lambda loc: loc.code)
        self.dcs = [loc for loc in active if loc.kind is LocationKind.DC]
        shipping = self.stores.ships_online
        self.shipping_stores = [
            loc for loc in active if loc.kind is LocationKind.STORE and loc.code in shipping
        ]
        self.locations = self.dcs + self.shipping_stores
        self.dc_codes = [loc.code for loc in self.dcs]
        self.store_codes = [loc.code for loc in self.shipping_stores]
        self.codes = self.dc_codes + self.store_codes  # the DCs always first
        dcs, stores = set(self.dc_codes), set(self.store_codes)
        listed = self.settings.ranked_locations
        self.ranked = [code for code in listed if code in dcs] + [
            code for code in listed if code in stores
        ]

    def nearest_groups(self, region: str | None) -> list[list[str]]:
        """The DCs serving the region grouped by (rank, distance), then the stores that ship
        online grouped the same way: a store never before a DC."""
        groups = self._nearest.get(region)
        if groups is None:
            groups = _groups(self.dcs, region) + _groups(self.shipping_stores, region)
            self._nearest[region] = groups
        return groups


def _groups(locations: Sequence[Location], region: str | None) -> list[list[str]]:
    keyed: dict[tuple[int, float], list[str]] = {}
    for loc in locations:
        rank = loc.rank_of(region)
        if rank is None:
            continue
        where = None
        if loc.latitude is not None and loc.longitude is not None:
            where = (loc.latitude, loc.longitude)
        keyed.setdefault((rank, region_distance_km(region, where)), []).append(loc.code)
    return [keyed[key] for key in sorted(keyed)]


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
    """Every DC, the one with most available for the order first; then the stores that ship
    online, likewise."""

    def by_stock(code: str) -> tuple[int, str]:
        return (-ctx.available.of(need, code), code)

    found = sorted(ctx.dc_codes, key=by_stock)
    if ctx.store_codes:
        found += sorted(ctx.store_codes, key=by_stock)
    return found


STRATEGIES: dict[Strategy, Callable[[Need, Context], list[str]]] = {
    Strategy.NEAREST: nearest,
    Strategy.RANKED: ranked,
    Strategy.MOST_STOCK: most_stock,
}
