"""``StoreRepository`` in a Python process (``record/memory_store.py`` composes it).

It shares the composed store's state as the SQL repository shares the database: a sale moves
the inventory's levels and ledger, a store is an inventory location. Each write checks
everything before it changes anything, and nothing awaits in between: all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move, StockLevel
from flashsale.kernel.errors import Conflict, NotFound
from flashsale.staff.model import StaffMember
from flashsale.stores.domain.ledger import return_moves, sale_moves
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.domain.store import StoreProfile
from flashsale.stores.domain.till import Till
from flashsale.stores.errors import InsufficientStoreStock, ReturnExceedsSale


class MemoryStoreRepository:
    # The rest of the record, kept by the other memory repositories of the composed store.
    _locations: dict[str, Location]
    _levels: dict[tuple[str, str], StockLevel]
    _staff: dict[str, StaffMember]

    _append_moves: Callable[[Sequence[Move]], None]

    def __init__(self) -> None:
        super().__init__()
        self._store_profiles: dict[str, StoreProfile] = {}
        self._store_receipts: dict[str, int] = {}
        self._store_clerks: dict[str, set[str]] = {}
        self._tills: dict[str, Till] = {}
        self._pos_sales: dict[str, PosSale] = {}
        self._pos_keys: dict[tuple[str, str], str] = {}
        self._pos_returns: dict[str, PosReturn] = {}

    def _check_clerks(self, staff_ids: Sequence[str]) -> None:
        unknown = [s for s in staff_ids if s not in self._staff]
        if unknown:
            raise Conflict(f"a clerk is no staff member: {unknown[0]}")

    async def store_add(
        self, location: Location, profile: StoreProfile, clerks: Sequence[str]
    ) -> None:
        if location.code in self._locations:
            raise Conflict(f"store {location.code} exists already")
        self._check_clerks(clerks)
        self._locations[location.code] = location
        self._store_profiles[profile.code] = profile
        self._store_receipts[profile.code] = 0
        self._store_clerks[profile.code] = set(clerks)

    async def store_profile(self, code: str) -> StoreProfile | None:
        return self._store_profiles.get(code)

    async def store_profiles(self) -> list[StoreProfile]:
        return [p for _, p in sorted(self._store_profiles.items())]

    async def store_clerks(self, code: str) -> list[str]:
        return sorted(self._store_clerks.get(code, ()))

    async def store_clerks_by_store(self) -> dict[str, list[str]]:
        return {code: sorted(ids) for code, ids in self._store_clerks.items() if ids}

    async def store_put_clerks(self, code: str, staff_ids: Sequence[str]) -> None:
        if code not in self._store_profiles:
            raise Conflict(f"no store {code}")
        self._check_clerks(staff_ids)
        self._store_clerks[code] = set(staff_ids)

    async def till_add(self, till: Till) -> None:
        if till.id in self._tills or till.store_code not in self._store_profiles:
            raise Conflict(f"till {till.id} exists already, or there is no store {till.store_code}")
        if any(t.token_hash == till.token_hash for t in self._tills.values()):
            raise Conflict("a till has this token already")
        self._tills[till.id] = till

    async def till_by_token_hash(self, token_hash: str) -> Till | None:
        return next((t for t in self._tills.values() if t.token_hash == token_hash), None)

    async def tills(self, store_code: str) -> list[Till]:
        found = [t for t in self._tills.values() if t.store_code == store_code]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    async def tills_live(self) -> list[Till]:
        return [t for t in self._tills.values() if t.active]

    async def till_revoke(self, store_code: str, till_id: str, at: datetime) -> Till | None:
        till = self._tills.get(till_id)
        if till is None or till.store_code != store_code:
            return None
        if till.revoked_at is None:
            till = self._tills[till_id] = replace(till, revoked_at=at)
        return till

    async def pos_record_sale(self, sale: PosSale) -> PosSale:
        if sale.store_code not in self._store_profiles:
            raise NotFound(f"no store {sale.store_code}")
        twin = self._pos_keys.get((sale.store_code, sale.idempotency_key))
        if twin is not None:
            return self._pos_sales[twin]
        after: dict[tuple[str, str], StockLevel] = {}
        for line in sorted(sale.lines, key=lambda x: x.sku):
            key = (sale.store_code, line.sku)
            level = self._levels.get(key) or StockLevel(*key)
            if level.free < line.quantity:
                raise InsufficientStoreStock(
                    f"{sale.store_code} has {level.free} of {line.sku} free; the sale asks"
                    f" {line.quantity}"
                )
            after[key] = level.changed(on_hand=-line.quantity)
        number = self._store_receipts[sale.store_code] + 1
        numbered = replace(sale, number=number)
        self._store_receipts[sale.store_code] = number
        self._levels.update(after)
        self._pos_sales[sale.id] = numbered
        self._pos_keys[sale.store_code, sale.idempotency_key] = sale.id
        self._append_moves(sale_moves(numbered))
        return numbered

    async def pos_record_sales(self, sales: Sequence[PosSale]) -> list[PosSale | Exception]:
        outcomes: list[PosSale | Exception] = []
        for sale in sales:
            try:
                outcomes.append(await self.pos_record_sale(sale))
            except Exception as exc:  # this sale's answer; the others still go on
                outcomes.append(exc)
        return outcomes

    async def pos_sale(self, sale_id: str) -> PosSale | None:
        return self._pos_sales.get(sale_id)

    async def pos_sale_by_key(self, store_code: str, idempotency_key: str) -> PosSale | None:
        found = self._pos_keys.get((store_code, idempotency_key))
        return None if found is None else self._pos_sales[found]

    async def pos_record_return(self, ret: PosReturn) -> PosReturn:
        if ret.id in self._pos_returns:
            raise Conflict(f"return {ret.id} exists already")
        sale = self._pos_sales[ret.sale_id]
        lines = list(sale.lines)
        for sku, quantity in ret.lines:
            at = next((i for i, x in enumerate(lines) if x.sku == sku), None)
            if at is None or lines[at].returned + quantity > lines[at].quantity:
                raise ReturnExceedsSale(
                    f"lines: the sale has fewer than {quantity} of {sku} left to return"
                )
            lines[at] = replace(lines[at], returned=lines[at].returned + quantity)
        if ret.restock:
            for sku, quantity in ret.lines:
                key = (ret.store_code, sku)
                self._levels[key] = (self._levels.get(key) or StockLevel(*key)).changed(
                    on_hand=quantity
                )
        self._pos_sales[sale.id] = replace(sale, lines=tuple(lines))
        self._pos_returns[ret.id] = ret
        self._append_moves(return_moves(ret))
        return ret

    async def pos_return_refunded(self, return_id: str, refund_reference: str) -> None:
        found = self._pos_returns.get(return_id)
        if found is not None:
            self._pos_returns[return_id] = replace(found, refund_reference=refund_reference)

    async def pos_returns(self, sale_id: str) -> list[PosReturn]:
        found = [r for r in self._pos_returns.values() if r.sale_id == sale_id]
        return sorted(found, key=lambda r: (r.created_at, r.id))
