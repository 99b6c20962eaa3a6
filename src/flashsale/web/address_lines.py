"""An address as its country writes it on a parcel: the order of its lines, where the postal
code and the region go.

Babel and pycountry name countries and regions but do not lay addresses out, so the layouts of
the seeds' markets are kept here (after the Universal Postal Union's and Google's
libaddressinput data); another country gets the international order. Region names are ISO
3166-2's (orders/domain/regions.py), the country's is in the page's language (CLDR).
"""

from __future__ import annotations

import re
from typing import Protocol

from flashsale.orders.domain import regions
from flashsale.web.i18n import country_names

# {region} is the region's name, {state} its code without the country (US: CA).
_LAYOUTS: dict[str, tuple[str, ...]] = {
    # Biggest to smallest, as written in China.
    "CN": ("{country}", "{postal_code}", "{region} {city}", "{line1}", "{line2}", "{recipient}"),
    "GR": ("{recipient}", "{line1}", "{line2}", "{postal_code} {city}", "{region}", "{country}"),
    "ID": ("{recipient}", "{line1}", "{line2}", "{city}", "{region} {postal_code}", "{country}"),
    "IN": ("{recipient}", "{line1}", "{line2}", "{city} {postal_code}", "{region}", "{country}"),
    "RU": ("{recipient}", "{line1}", "{line2}", "{city}", "{region}", "{postal_code}", "{country}"),
    "US": ("{recipient}", "{line1}", "{line2}", "{city}, {state} {postal_code}", "{country}"),
}
_INTERNATIONAL = (
    "{recipient}",
    "{line1}",
    "{line2}",
    "{postal_code} {city}",
    "{region}",
    "{country}",
)


class Address(Protocol):
    """An order's address or a saved one: both have these parts."""

    @property
    def recipient(self) -> str: ...
    @property
    def line1(self) -> str: ...
    @property
    def line2(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def postal_code(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def country(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...


def address_lines(address: Address, locale: str | None) -> list[str]:
    """The address's lines in its country's order, then the phone; empty lines left out."""
    country = address.country or ""
    named = (
        dict(country_names([(country, regions.country_name(country))], locale)) if country else {}
    )
    region = (
        next(
            (r.name for r in regions.regions_of(country) if r.code == address.region),
            address.region or "",
        )
        if country
        else address.region or ""
    )
    parts = {
        "recipient": address.recipient,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "postal_code": address.postal_code,
        "region": region,
        "state": (address.region or "").partition("-")[2],
        "country": named.get(country, ""),
    }
    shown = [_tidy(line.format(**parts)) for line in _LAYOUTS.get(country, _INTERNATIONAL)]
    return [line for line in shown if line] + [address.phone]


def _tidy(line: str) -> str:
    """Without the separators a missing part leaves behind."""
    return re.sub(r"\s+", " ", line).strip(" ,")
