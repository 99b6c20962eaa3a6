"""Markets, products and their per-market prices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.catalog.ports import CatalogRepository
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money, parse_amount


@dataclass(frozen=True, slots=True)
class VariantSpec:
    sku: str
    attributes: Mapping[str, str]
    prices: Mapping[str, object]  # market code -> amount in that market's currency


class Catalog:
    def __init__(self, store: CatalogRepository) -> None:
        self._store = store

    async def add_markets(self, markets: Sequence[Market]) -> None:
        await self._store.add_markets(markets)

    async def put_market(self, market: Market) -> bool:
        """Add the market, or replace the one with its code; True when it existed."""
        existed = await self._store.market(market.code) is not None
        await self._store.add_markets([market])
        return existed

    async def markets(self) -> list[Market]:
        return await self._store.markets()

    async def find_market(self, code: str) -> Market | None:
        return await self._store.market(code.upper())

    async def variant(self, sku: str) -> Variant | None:
        return await self._store.variant(sku)

    async def market(self, code: str) -> Market:
        market = await self._store.market(code.upper())
        if market is None:
            raise NotFound(f"no market {code!r}")
        return market

    async def add_product(self, name: str, variants: Sequence[VariantSpec]) -> Product:
        markets = {m.code: m for m in await self._store.markets()}
        product_id = new_id("prod")
        built = []
        for spec in variants:
            prices: dict[str, Money] = {}
            for code, amount in spec.prices.items():
                market = markets.get(code.upper())
                if market is None:
                    raise InvalidInput(f"variant {spec.sku}: no market {code!r}")
                prices[market.code] = Money(parse_amount(amount), market.currency)
            built.append(
                Variant(
                    sku=spec.sku,
                    product_id=product_id,
                    attributes=dict(spec.attributes),
                    prices=prices,
                )
            )
        product = Product(id=product_id, name=name.strip(), variants=tuple(built))
        await self._store.add_product(product)
        return product

    async def products(self, market_code: str | None = None) -> list[Product]:
        """All products; with a market, only the variants priced there (and products with any)."""
        products = await self._store.products()
        if market_code is None:
            return products
        market = await self.market(market_code)
        shown = []
        for product in products:
            variants = tuple(v for v in product.variants if market.code in v.prices)
            if variants:
                shown.append(Product(product.id, product.name, variants))
        return shown
