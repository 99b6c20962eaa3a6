"""Where in the world an address is: its country (ISO 3166-1 alpha-2) and, where the country has
them, its region (ISO 3166-2: ``IN-KA``, ``CN-GD``), checked against pycountry's tables.

Carriers, duties and tax all turn on the region: a parcel for India is routed by state, and
``IN-KA`` means Karnataka to every system it is handed to, where a typed "Karnataka" or "KA"
would be read differently by each. So a country that has regions needs one, and it must be one
of that country's own codes.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import pycountry

from flashsale.kernel.errors import InvalidInput

# How much of what was given a message repeats: enough to recognise, never a page of it.
_SHOWN = 40


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # ISO 3166-2, e.g. IN-KA
    name: str  # e.g. Karnātaka
    kind: str  # e.g. State, Union territory


def country_code(given: str) -> str:
    """The ISO 3166-1 alpha-2 code of ``given`` (either case), upper-cased; refused by name."""
    code = given.strip().upper()
    if not code:
        raise InvalidInput("country: the shipping address needs a country, such as IN")
    if code not in _countries():
        raise InvalidInput(f"country: {given[:_SHOWN]!r} is not an ISO 3166-1 country code")
    return code


def region_code(country: str, given: str | None) -> str | None:
    """``given`` as one of ``country``'s ISO 3166-2 codes (either case), upper-cased; None
    for a country without regions. Refused by name when the country needs one and it is missing,
    or when it is not one of that country's."""
    code = (given or "").strip().upper()
    regions = regions_of(country)
    name = country_name(country)
    if not regions:
        if code:
            raise InvalidInput(f"region: {name} has no ISO 3166-2 regions; give none")
        return None
    example = regions[0].code
    if not code:
        raise InvalidInput(f"region: an address in {name} needs its region, such as {example}")
    if code not in {region.code for region in regions}:
        raise InvalidInput(
            f"region: {code[:_SHOWN]!r} is not one of {name}'s ISO 3166-2 regions, such as"
            f" {example}"
        )
    return code


def country_name(code: str) -> str:
    """The country's name as people use it (``Russia`` rather than ``Russian Federation``);
    the code itself when it is none."""
    return _countries().get(code, code)


def is_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code, as stored (upper case)."""
    return code in _countries()


@functools.cache
def countries() -> tuple[tuple[str, str], ...]:
    """Every country as (code, name), by name."""
    return tuple(sorted(_countries().items(), key=lambda item: _sort_key(item[1])))


def regions_of(country: str) -> tuple[Region, ...]:
    """The country's regions by name; none for a country without them or an unknown code."""
    return _all_regions().get(country, ())


@functools.cache
def _countries() -> dict[str, str]:
    return {
        country.alpha_2: getattr(country, "common_name", None) or country.name
        for country in pycountry.countries
    }


@functools.cache
def _all_regions() -> dict[str, tuple[Region, ...]]:
    """Every country's regions, by name, read once (a few thousand)."""
    found: dict[str, list[Region]] = {}
    for subdivision in pycountry.subdivisions:
        region = Region(str(subdivision.code), str(subdivision.name), str(subdivision.type))
        found.setdefault(str(subdivision.country_code), []).append(region)
    return {
        country: tuple(sorted(listed, key=lambda region: (_sort_key(region.name), region.code)))
        for country, listed in found.items()
    }


def _sort_key(name: str) -> str:
    # As a reader looks a name up: Ágion Óros among the A's, Åland Islands beside Albania.
    letters = unicodedata.normalize("NFKD", name)
    return "".join(c for c in letters if not unicodedata.combining(c)).casefold()
