"""Markets, products and their per-market prices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.catalog.ports import CatalogRepository
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money, parse_price


@dataclass(frozen=True, slots=True)
class VariantSpec:
    sku: str
    attributes: Mapping[str, str]
    prices: Mapping[str, object]  # market code -> amount in that market's currency


class Catalog:
    def __init__(self, store: CatalogRepository) -> None:
        self._store = store

    async def add_markets(self, markets: Sequence[Market]) -> None:
        for market in markets:
            market.check_new()
        await self._store.add_markets(markets)

    async def put_market(self, market: Market) -> bool:
        """Add the market, or replace the one with its code; True when it existed."""
        market = replace(market, name=market.name.strip())
        market.check_new()
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
        """Add a product; names and attributes are trimmed, market codes upper-cased, and each
        price parsed in its market's currency (no finer than its minor unit)."""
        markets = {m.code: m for m in await self._store.markets()}
        product_id = new_id("prod")
        built = [
            Variant(
                sku=spec.sku,
                product_id=product_id,
                attributes=_trimmed_attributes(spec),
                prices=_prices(spec, markets),
            )
            for spec in variants
        ]
        product = Product(id=product_id, name=name.strip(), variants=tuple(built))
        product.check_new()
        await self._store.add_product(product)
        return product

    async def product(self, product_id: str) -> Product:
        found = [p for p in await self._store.products() if p.id == product_id]
        if not found:
            raise NotFound(f"no product {product_id}")
        return found[0]

    async def edit_product(
        self, product_id: str, name: str, variants: Sequence[VariantSpec]
    ) -> Product:
        """New name, attributes and prices for a product's variants, and new variants after
        them. Every variant it has must be given (none is removed: sales sell their SKUs)."""
        current = await self.product(product_id)
        given = {spec.sku for spec in variants}
        missing = [v.sku for v in current.variants if v.sku not in given]
        if missing:
            raise InvalidInput(f"variants cannot be removed: {', '.join(missing)} must stay")
        markets = {m.code: m for m in await self._store.markets()}
        order = {v.sku: n for n, v in enumerate(current.variants)}
        ordered = sorted(variants, key=lambda spec: order.get(spec.sku, len(order)))
        built = tuple(
            Variant(spec.sku, product_id, _trimmed_attributes(spec), _prices(spec, markets))
            for spec in ordered
        )
        product = Product(id=product_id, name=name.strip(), variants=built)
        product.check_new()
        if not await self._store.save_product(product):
            raise NotFound(f"no product {product_id}")
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


def _trimmed_attributes(spec: VariantSpec) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for name, value in spec.attributes.items():
        key = name.strip()
        if key in attributes:
            raise InvalidInput(f"variant {spec.sku}: attribute {key!r} is given twice")
        attributes[key] = value.strip()
    return attributes


def _prices(spec: VariantSpec, markets: Mapping[str, Market]) -> dict[str, Money]:
    prices: dict[str, Money] = {}
    given: dict[str, str] = {}
    for code, amount in spec.prices.items():
        market = markets.get(code.upper())
        if market is None:
            raise InvalidInput(f"variant {spec.sku}: prices: no market {code!r}")
        # "in" and "IN" are one market: two prices for it is a mistake, not a choice.
        if market.code in given:
            raise InvalidInput(
                f"variant {spec.sku}: prices: {given[market.code]!r} and {code!r} are the same"
                f" market, {market.code}"
            )
        given[market.code] = code
        try:
            prices[market.code] = parse_price(amount, market.currency)
        except InvalidInput as exc:
            raise InvalidInput(f"variant {spec.sku}: prices: {market.code}: {exc.detail}") from exc
    return prices
