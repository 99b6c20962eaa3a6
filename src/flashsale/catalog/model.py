"""Products, their variants (the SKUs a sale sells) and each variant's price per market."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_SKU = re.compile(SKU_PATTERN)
# Bounds on what an operator writes into a product: enough for any real catalogue, and small
# enough that no page, log line or row grows without limit.
MAX_NAME_LENGTH = 200
MAX_VARIANTS = 100
MAX_ATTRIBUTES = 20
MAX_ATTRIBUTE_NAME_LENGTH = 64
MAX_ATTRIBUTE_VALUE_LENGTH = 200


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

    def check_new(self) -> None:
        """Refuse (InvalidInput) a variant that may not be added: one without a price, or with
        too many, empty, padded or overlong attributes.

        Asked of every variant added, not in ``__post_init__``: a variant stored before the
        bounds existed must still load.
        """
        if not self.prices:
            raise InvalidInput(f"variant {self.sku}: prices: give a price in at least one market")
        if len(self.attributes) > MAX_ATTRIBUTES:
            raise InvalidInput(
                f"variant {self.sku}: attributes: at most {MAX_ATTRIBUTES}, not"
                f" {len(self.attributes)}"
            )
        for name, value in self.attributes.items():
            _check_text(f"variant {self.sku}: attribute name", name, MAX_ATTRIBUTE_NAME_LENGTH)
            _check_text(f"variant {self.sku}: attribute {name}", value, MAX_ATTRIBUTE_VALUE_LENGTH)


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

    def check_new(self) -> None:
        """Refuse (InvalidInput) a product that may not be added (see ``Variant.check_new``)."""
        _check_text("name", self.name, MAX_NAME_LENGTH)
        if len(self.variants) > MAX_VARIANTS:
            raise InvalidInput(f"variants: at most {MAX_VARIANTS}, not {len(self.variants)}")
        for variant in self.variants:
            variant.check_new()


def _check_text(field: str, value: str, max_length: int) -> None:
    if not value.strip():
        raise InvalidInput(f"{field}: must not be empty or only spaces")
    if value != value.strip():
        raise InvalidInput(f"{field}: {value[:40]!r} starts or ends with spaces")
    if len(value) > max_length:
        raise InvalidInput(f"{field}: at most {max_length} characters, not {len(value)}")
