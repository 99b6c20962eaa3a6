"""``InventoryRepository`` in a Python process (``record/memory_store.py`` composes it).

The levels, moves and allotments live here; the memory fulfilment repository of the same
composed store moves them in its allocation batches, as the SQL one writes these tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.audit import LedgerSum
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move, MoveKind, StockChange, StockLevel
from flashsale.inventory.errors import AllotmentAboveFree
from flashsale.kernel.errors import Conflict


class MemoryInventoryRepository:
    def __init__(self) -> None:
        super().__init__()
        self._locations: dict[str, Location] = {}
        self._levels: dict[tuple[str, str], StockLevel] = {}
        self._moves: list[Move] = []
        self._allotments: dict[tuple[str, str], Allotment] = {}

    async def add_location(self, location: Location) -> None:
        if location.code in self._locations:
            raise Conflict(f"location {location.code} exists already")
        self._locations[location.code] = location

    async def replace_location(self, location: Location) -> bool:
        if location.code not in self._locations:
            return False
        self._locations[location.code] = location
        return True

    async def location(self, code: str) -> Location | None:
        return self._locations.get(code)

    async def locations(self, market_code: str | None = None) -> list[Location]:
        return [
            loc
            for _, loc in sorted(self._locations.items())
            if market_code is None or loc.market_code == market_code
        ]

    def _level(self, location: str, sku: str) -> StockLevel:
        return self._levels.get((location, sku)) or StockLevel(location, sku)

    def _append_moves(self, moves: Sequence[Move]) -> None:
        for move in moves:
            self._moves.append(replace(move, id=len(self._moves) + 1))

    async def record_changes(self, changes: Sequence[StockChange]) -> list[Move]:
        levels: dict[tuple[str, str], StockLevel] = {}
        moves: list[Move] = []
        for change in changes:
            key = (change.location, change.sku)
            level = levels.get(key) or self._level(*key)
            levels[key], move = change.apply(level)  # raises before anything is kept
            moves.append(move)
        self._levels.update(levels)
        start = len(self._moves)
        self._append_moves(moves)
        return self._moves[start:]

    async def stock_levels(
        self, location: str | None = None, sku: str | None = None
    ) -> list[StockLevel]:
        return [
            level
            for key, level in sorted(self._levels.items())
            if (location is None or key[0] == location) and (sku is None or key[1] == sku)
        ]

    async def moves(self, location: str, sku: str | None = None, limit: int = 100) -> list[Move]:
        found = [
            m
            for m in reversed(self._moves)
            if m.location == location and (sku is None or m.sku == sku)
        ]
        return found[:limit]

    async def put_allotments(
        self, sale_id: str, sku: str, quantities: Mapping[str, int]
    ) -> list[Allotment]:
        current = {loc: a for (sale, loc), a in self._allotments.items() if sale == sale_id}
        if any(a.drawn for a in current.values()):
            raise Conflict(f"sale {sale_id} has orders allocated from its allotments already")
        changes: dict[str, int] = defaultdict(int)
        for loc, allotment in current.items():
            changes[loc] -= allotment.remaining
        for loc, units in quantities.items():
            changes[loc] += units
        levels = {}
        for loc, change in sorted(changes.items()):
            level = self._level(loc, sku)
            if change > level.free:
                raise AllotmentAboveFree(
                    f"{loc} has {level.free} of {sku} free; the allotment asks {change} more"
                )
            levels[loc, sku] = level.changed(committed=change)
        self._levels.update(levels)
        for loc in current:
            del self._allotments[sale_id, loc]
        for loc, units in quantities.items():
            self._allotments[sale_id, loc] = Allotment(sale_id, loc, sku, units)
        return await self.allotments(sale_id)

    async def allotments(self, sale_id: str | None = None) -> list[Allotment]:
        return [
            a for key, a in sorted(self._allotments.items()) if sale_id is None or key[0] == sale_id
        ]

    async def trim_allotments(self, sale_id: str, remaining: Mapping[str, int]) -> None:
        for (sale, loc), allotment in list(self._allotments.items()):
            if sale != sale_id:
                continue
            keep = min(allotment.remaining, max(0, remaining.get(loc, 0)))
            released = allotment.remaining - keep
            key = (loc, allotment.sku)
            self._levels[key] = self._level(*key).changed(committed=-released)
            self._allotments[sale, loc] = replace(
                allotment, quantity=allotment.drawn + keep, closed=True
            )

    async def ledger_sums(self) -> list[LedgerSum]:
        sums: dict[tuple[str, str, MoveKind], list[int]] = defaultdict(lambda: [0, 0])
        for move in self._moves:
            row = sums[move.location, move.sku, move.kind]
            row[0] += move.on_hand_change
            row[1] += move.allocated_change
        return [
            LedgerSum(loc, sku, kind, a, b) for (loc, sku, kind), (a, b) in sorted(sums.items())
        ]
