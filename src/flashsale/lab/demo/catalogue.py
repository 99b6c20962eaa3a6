"""The demo catalogue: a phone in two memory sizes, the band, the power bank.

The band's Rs 999 and $18 are the source's figures (they were the first Mi Band's, which the
demo's Mi Band 2 inherits). The Chinese prices are the launch prices; the other markets' are
illustrative, in each market's own currency, since a price is never converted on the fly.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.catalog.service import VariantSpec

BAND_SKU = "MIBAND2-BLK"


@dataclass(frozen=True, slots=True)
class DemoProduct:
    name: str
    variants: tuple[VariantSpec, ...]


MI_6 = DemoProduct(
    "Mi 6",
    (
        VariantSpec(
            sku="MI6-64GB-BLK",
            attributes={"storage": "64 GB", "colour": "black"},
            prices={"CN": "2499", "GR": "449.00", "RU": "29990"},
        ),
        VariantSpec(
            sku="MI6-128GB-BLU",
            attributes={"storage": "128 GB", "colour": "blue"},
            prices={"CN": "2899", "GR": "499.00", "RU": "32990"},
        ),
    ),
)

MI_BAND_2 = DemoProduct(
    "Mi Band 2",
    (
        VariantSpec(
            sku=BAND_SKU,
            attributes={"colour": "black"},
            prices={
                "IN": "999",
                "US": "18.00",
                "CN": "149",
                "GR": "29.90",
                "ID": "349000",
                "RU": "1990",
            },
        ),
    ),
)

MI_POWER_BANK = DemoProduct(
    "Mi Power Bank",
    (
        VariantSpec(
            sku="MIPB-10000-SLV",
            attributes={"capacity": "10000 mAh", "colour": "silver"},
            prices={"CN": "79", "IN": "999", "GR": "19.90", "ID": "149000", "RU": "1290"},
        ),
    ),
)

DEMO_PRODUCTS = (MI_6, MI_BAND_2, MI_POWER_BANK)
