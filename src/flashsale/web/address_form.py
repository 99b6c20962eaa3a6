"""The checkout's address fields: what was typed, kept when the form comes back with an error, and
the country and region selects, drawn on the server from ISO 3166 (orders/domain/regions.py)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby

from flashsale.orders.domain import regions
from flashsale.orders.domain.regions import Region
from flashsale.orders.domain.shipping import ShippingAddress

ADDRESS_FIELDS = (
    "recipient",
    "line1",
    "line2",
    "city",
    "postal_code",
    "phone",
    "country",
    "region",
)


def kept(form: Mapping[str, str]) -> dict[str, str]:
    """What the customer sent of the address, to fill the form again."""
    return {name: form.get(name, "") for name in ADDRESS_FIELDS}


def filled_from(address: ShippingAddress) -> dict[str, str]:
    """An address given before, as the form shows it."""
    return {name: getattr(address, name) or "" for name in ADDRESS_FIELDS}


def choices(form: Mapping[str, str], asked: str | None, home: str) -> dict[str, object]:
    """The selects' options and choices: the country ``asked`` for (the region select redrawn
    for another country), else the one in the form, else the sale's market (``home``)."""
    country = next(
        (
            code
            for code in ((asked or "").upper(), form.get("country", "").upper(), home)
            if regions.is_country(code)
        ),
        "",
    )
    return {
        "countries": regions.countries(),
        "country": country,
        "region": form.get("region", "").upper() if not asked else "",
        "region_groups": _grouped(regions.regions_of(country)),
    }


def _grouped(found: tuple[Region, ...]) -> list[tuple[str, list[Region]]]:
    """By kind (State, Union territory) where a country has several; one unnamed group else."""
    kinds = {region.kind for region in found}
    if len(kinds) < 2:
        return [("", list(found))] if found else []
    ordered = sorted(found, key=lambda region: (region.kind, region.name))
    return [(kind, list(group)) for kind, group in groupby(ordered, key=lambda r: r.kind)]
