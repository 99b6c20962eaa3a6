"""Sale allotments: a sale's stock spread over its market's locations, committed there.

Set by hand (``put``) while the sale's terms may still change (until 60 s before it opens, the
sales' own edit freeze), or, for a sale that has none when the allocator first needs them, in
proportion to each DC's free stock (``allot_by_free_stock``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flashsale.inventory.domain.allotment import Allotment, check_allotments, proportional
from flashsale.inventory.domain.location import LocationKind
from flashsale.inventory.ports import InventoryRepository
from flashsale.kernel.errors import InvalidInput
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import SaleNotEditable


class SaleBook(Protocol):
    """``SaleDirectory``: a sale by id (NotFound when there is none)."""

    async def get(self, sale_id: str) -> FlashSale: ...


class SaleRules(Protocol):
    """``Sales``: whether a sale's terms may still change."""

    def is_editable(self, sale: FlashSale) -> bool: ...


class Allotments:
    def __init__(self, store: InventoryRepository, sales: SaleBook, rules: SaleRules) -> None:
        self._store = store
        self._sales = sales
        self._rules = rules

    async def put(self, sale_id: str, quantities: Mapping[str, int]) -> list[Allotment]:
        sale = await self._sales.get(sale_id)
        if not self._rules.is_editable(sale):
            raise SaleNotEditable(
                f"the sale opens at {sale.opens_at.isoformat()}; its allotments, like its"
                " terms, are fixed from 60 seconds before the opening"
            )
        wanted = {code.strip().upper(): units for code, units in quantities.items()}
        check_allotments(wanted, sale.stock_total)
        for code in wanted:
            location = await self._store.location(code)
            if location is None or location.market_code != sale.market_code:
                raise InvalidInput(f"allotments: no location {code[:40]} in {sale.market_code}")
            if not location.active:
                raise InvalidInput(f"allotments: {code} is not active")
        return await self._store.put_allotments(sale.id, sale.sku, wanted)

    async def of_sale(self, sale_id: str) -> list[Allotment]:
        sale = await self._sales.get(sale_id)
        return await self._store.allotments(sale.id)

    async def trim(self, sale_id: str, remaining: Mapping[str, int]) -> None:
        """The sale has ended: its allotments keep ``remaining`` committed, the rest is free."""
        await self._store.trim_allotments(sale_id, remaining)

    async def allot_by_free_stock(self, sale: FlashSale) -> list[Allotment]:
        """For a sale without allotments: its stock (or what is free, if less) over its
        market's active DCs in proportion to their free stock. Nothing when it has some."""
        if await self._store.allotments(sale.id):
            return []
        dcs = {
            loc.code
            for loc in await self._store.locations(sale.market_code)
            if loc.active and loc.kind is LocationKind.DC
        }
        free = {
            level.location: level.free
            for level in await self._store.stock_levels(sku=sale.sku)
            if level.location in dcs
        }
        shares = proportional(sale.stock_total, free)
        if not shares:
            return []
        return await self._store.put_allotments(sale.id, sale.sku, shares)
