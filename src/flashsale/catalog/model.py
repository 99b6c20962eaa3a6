"""Products, their variants (the SKUs a sale sells) and each variant's price per market."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Variant:
    sku: str
    product_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    prices: Mapping[str, Money] = field(default_factory=dict)  # market code -> price

    def __post_init__(self) -> None:
        if not _SKU.match(self.sku):
            raise InvalidInput(
                f"{self.sku!r} is not a SKU (letters, digits, '.', '_', '-'; at most 64)"
            )

    def price_in(self, market_code: str) -> Money | None:
        return self.prices.get(market_code)


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    variants: tuple[Variant, ...]

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("a product needs a name")
        if not self.variants:
            raise InvalidInput("a product needs at least one variant")
        skus = [v.sku for v in self.variants]
        if len(set(skus)) != len(skus):
            raise InvalidInput("a product's variants need distinct SKUs")
