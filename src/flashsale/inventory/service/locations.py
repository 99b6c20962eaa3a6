"""Locations: adding, changing, listing, and importing them from a CSV file."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.inventory.domain.location import (
    Location,
    LocationKind,
    parse_cutoff,
    parse_regions,
)
from flashsale.inventory.ports import InventoryRepository
from flashsale.kernel.errors import InvalidInput, NotFound

CSV_COLUMNS = (
    "code",
    "name",
    "kind",
    "market",
    "address",
    "timezone",
    "capacity_per_hour",
    "cutoff",
    "regions",
    "active",
)
MAX_IMPORT_ROWS = 10_000


class MarketReader(Protocol):
    """``Catalog``: the markets locations belong to."""

    async def find_market(self, code: str) -> Market | None: ...


class Locations:
    def __init__(self, store: InventoryRepository, markets: MarketReader) -> None:
        self._store = store
        self._markets = markets

    async def add(self, location: Location) -> Location:
        await self._check(location)
        await self._store.add_location(location)
        return location

    async def replace(self, location: Location) -> Location:
        await self._check(location)
        if not await self._store.replace_location(location):
            raise NotFound(f"no location {location.code}")
        return location

    async def get(self, code: str) -> Location:
        found = await self._store.location(code)
        if found is None:
            raise NotFound(f"no location {code[:40]}")
        return found

    async def all(self, market_code: str | None = None) -> list[Location]:
        return await self._store.locations(market_code.upper() if market_code else None)

    async def _check(self, location: Location) -> None:
        location.check_new()
        if await self._markets.find_market(location.market_code) is None:
            raise InvalidInput(f"market: no market {location.market_code!r}")

    async def import_csv(self, text: str) -> list[Location]:
        """Every row of a CSV file (``CSV_COLUMNS``, a header first), all or nothing: a new
        code is added, a known one replaced. Refused with the line numbers of every bad row."""
        rows = list(csv.DictReader(io.StringIO(text)))
        if len(rows) > MAX_IMPORT_ROWS:
            raise InvalidInput(f"at most {MAX_IMPORT_ROWS} locations per file")
        parsed: list[Location] = []
        errors: list[str] = []
        for line, row in enumerate(rows, start=2):
            try:
                location = location_of_row(row)
                await self._check(location)
                parsed.append(location)
            except InvalidInput as exc:
                errors.append(f"line {line}: {exc.detail}")
        codes = [location.code for location in parsed]
        if len(set(codes)) != len(codes):
            errors.append("the file names a code twice")
        if errors:
            raise InvalidInput("; ".join(errors))
        for location in parsed:
            if not await self._store.replace_location(location):
                await self._store.add_location(location)
        return parsed


def location_of_row(row: dict[str, str | None]) -> Location:
    def cell(name: str, default: str = "") -> str:
        value = row.get(name)
        return default if value is None or value.strip() == "" else value.strip()

    missing = [name for name in ("code", "name", "market", "timezone") if not cell(name)]
    if missing:
        raise InvalidInput(f"missing {', '.join(missing)}")
    try:
        kind = LocationKind(cell("kind", "dc"))
    except ValueError:
        raise InvalidInput(f"kind: {cell('kind')[:20]!r} is not dc or store") from None
    try:
        capacity = int(cell("capacity_per_hour", "3500"))
    except ValueError:
        raise InvalidInput("capacity_per_hour: a whole number") from None
    active = cell("active", "true").lower()
    if active not in {"true", "false", "1", "0", "yes", "no"}:
        raise InvalidInput("active: true or false")
    return Location(
        code=cell("code").upper(),
        name=cell("name"),
        market_code=cell("market").upper(),
        timezone=cell("timezone"),
        kind=kind,
        address=cell("address"),
        capacity_per_hour=capacity,
        cutoff=parse_cutoff(cell("cutoff", "17:00")),
        regions=parse_regions(cell("regions")),
        active=active in {"true", "1", "yes"},
    )


def csv_of(locations: Sequence[Location]) -> str:
    """Locations as the CSV ``import_csv`` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for loc in locations:
        writer.writerow(
            [
                loc.code,
                loc.name,
                loc.kind.value,
                loc.market_code,
                loc.address,
                loc.timezone,
                loc.capacity_per_hour,
                loc.cutoff.strftime("%H:%M"),
                " ".join(f"{r.region}:{r.rank}" for r in loc.regions),
                "true" if loc.active else "false",
            ]
        )
    return out.getvalue()
