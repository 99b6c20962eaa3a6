"""A pool: units at a DC committed to a partner channel.

A partner's orders arrive late (an hour and more after the sale, SP-API #2131), so what it
sells must be a fixed pool, not the live level: the units are held on the level's
``committed`` (as a sale's allotment holds them) so neither the allocator nor a store can
take them, and each imported line consumes the pool with a guarded update
(``units - consumed >= quantity``), moving its units from committed to allocated.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.kernel.errors import InvalidInput

MAX_UNITS = 100_000_000


@dataclass(frozen=True, slots=True)
class Pool:
    channel: str
    location: str
    sku: str
    units: int  # committed to the partner, ever (consumed ones included)
    consumed: int = 0  # taken by imported orders

    @property
    def available(self) -> int:
        """Still committed at the DC for the partner."""
        return self.units - self.consumed

    def published(self, safety_buffer: int) -> int:
        """What the partner is told it may sell: kept back by the buffer, never negative."""
        return max(0, self.available - safety_buffer)


@dataclass(frozen=True, slots=True)
class PoolTarget:
    """A pool as asked for: ``units`` in all at ``location`` for ``sku``."""

    location: str
    sku: str
    units: int

    def __post_init__(self) -> None:
        if not 0 <= self.units <= MAX_UNITS:
            raise InvalidInput(f"units: 0 to {MAX_UNITS}")


def check_targets(targets: list[PoolTarget]) -> None:
    seen: set[tuple[str, str]] = set()
    for target in targets:
        key = (target.location, target.sku)
        if key in seen:
            raise InvalidInput(f"pools: {target.sku} at {target.location} is named twice")
        seen.add(key)
