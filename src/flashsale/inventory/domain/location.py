"""A place that holds stock and ships it: a distribution centre today, a store later.

Each location serves regions (ISO 3166-2) ranked by preference: ``[(CN-BJ, 1), (CN-TJ, 1),
(CN-HE, 2)]`` says Beijing and Tianjin are this DC's first choice and Hebei its second. The
allocator reads the ranks to send an order to the DC that ships to its region best.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import time

from flashsale.catalog.market import check_timezone
from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.regions import region_code

CODE_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
_CODE = re.compile(CODE_PATTERN)
MAX_CODE = 32
MAX_NAME = 120
MAX_ADDRESS = 400
MAX_CAPACITY_PER_HOUR = 1_000_000
MAX_RANK = 99
DEFAULT_CUTOFF = time(17, 0)


class LocationKind(enum.StrEnum):
    DC = "dc"  # a distribution centre: ships online orders
    STORE = "store"  # a shop: home delivery only where its profile ships online, after the DCs


@dataclass(frozen=True, slots=True)
class RegionRank:
    region: str  # ISO 3166-2, e.g. CN-GD
    rank: int  # 1 is first choice


@dataclass(frozen=True, slots=True)
class Location:
    code: str
    name: str
    market_code: str
    timezone: str
    kind: LocationKind = LocationKind.DC
    address: str = ""
    capacity_per_hour: int = 3_500
    cutoff: time = DEFAULT_CUTOFF  # local time after which a paid order ships the next day
    regions: tuple[RegionRank, ...] = field(default_factory=tuple)
    active: bool = True
    # Where it is, for the nearest strategy's tie-break by distance; optional.
    latitude: float | None = None
    longitude: float | None = None

    def rank_of(self, region: str | None) -> int | None:
        if region is None:
            return None
        for served in self.regions:
            if served.region == region:
                return served.rank
        return None

    def check_new(self) -> None:
        """Refuse (InvalidInput, naming the field) a location that may not be stored."""
        if not (2 <= len(self.code) <= MAX_CODE and _CODE.fullmatch(self.code)):
            raise InvalidInput(
                f"code: {self.code[:40]!r} is not a location code such as DC-BJ (capitals,"
                f" digits and dashes, 2 to {MAX_CODE})"
            )
        if not self.name.strip() or len(self.name) > MAX_NAME:
            raise InvalidInput(f"name: 1 to {MAX_NAME} characters")
        if len(self.address) > MAX_ADDRESS:
            raise InvalidInput(f"address: at most {MAX_ADDRESS} characters")
        check_timezone(self.timezone)
        if not 1 <= self.capacity_per_hour <= MAX_CAPACITY_PER_HOUR:
            raise InvalidInput(f"capacity_per_hour: 1 to {MAX_CAPACITY_PER_HOUR}")
        if self.cutoff.tzinfo is not None:
            raise InvalidInput("cutoff: a local time of day, without an offset")
        seen: set[str] = set()
        for served in self.regions:
            code = region_code(self.market_code, served.region)
            if code != served.region:
                raise InvalidInput(f"regions: {served.region!r} is not in upper case")
            if served.region in seen:
                raise InvalidInput(f"regions: {served.region} is ranked twice")
            seen.add(served.region)
            if not 1 <= served.rank <= MAX_RANK:
                raise InvalidInput(f"regions: the rank of {served.region} must be 1 to {MAX_RANK}")
        for name, value, bound in (
            ("latitude", self.latitude, 90),
            ("longitude", self.longitude, 180),
        ):
            if value is not None and not -bound <= value <= bound:
                raise InvalidInput(f"{name}: between -{bound} and {bound}")


def ranked_regions(
    pairs: list[tuple[str, int]] | tuple[tuple[str, int], ...],
) -> tuple[RegionRank, ...]:
    """``[("cn-bj", 1), ...]`` as the location keeps them: upper case, best rank first."""
    ranks = [RegionRank(region.strip().upper(), rank) for region, rank in pairs]
    return tuple(sorted(ranks, key=lambda r: (r.rank, r.region)))


def parse_regions(text: str) -> tuple[RegionRank, ...]:
    """``CN-BJ:1 CN-TJ:1 CN-HE:2`` (spaces, commas or semicolons between) as ranked regions; a
    region without ``:rank`` is ranked 1."""
    pairs: list[tuple[str, int]] = []
    for item in re.split(r"[\s,;]+", text.strip()):
        if not item:
            continue
        region, _, rank = item.partition(":")
        try:
            pairs.append((region, int(rank) if rank else 1))
        except ValueError:
            raise InvalidInput(
                f"regions: {item[:40]!r} is not REGION:RANK, such as CN-BJ:1"
            ) from None
    return ranked_regions(pairs)


def parse_cutoff(text: str) -> time:
    try:
        moment = time.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"cutoff: {text[:20]!r} is not a time of day such as 17:00") from None
    if moment.tzinfo is not None:
        raise InvalidInput("cutoff: a local time of day, without an offset")
    return moment
