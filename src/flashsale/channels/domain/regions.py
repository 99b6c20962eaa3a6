"""A partner's ship-state ("Karnataka", "KA", "IN-KA") as an ISO 3166-2 code, or None.

Partners' reports name states as people type them; the fulfilment order keeps the ISO code the
allocator and carriers read. A name that matches none is kept as no region, not refused: the
partner ships to it whatever we call it.
"""

from __future__ import annotations

import functools
import unicodedata

from flashsale.orders.domain.regions import regions_of


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("&", "and").split())


@functools.cache
def _names(country: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for region in regions_of(country):
        names[_folded(region.name)] = region.code
        names[_folded(region.code)] = region.code
        names[_folded(region.code.split("-", 1)[1])] = region.code
    return names


@functools.lru_cache(maxsize=4096)
def region_of(country: str, state: str) -> str | None:
    if not state:
        return None
    return _names(country.upper()).get(_folded(state))
