"""Stores: adding them (a location of kind ``store`` with its profile and clerks, in one
transaction), listing them, and who clerks where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.inventory.domain.location import Location, LocationKind
from flashsale.inventory.ports import InventoryRepository
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.staff.model import Role, StaffMember
from flashsale.stores.domain.store import (
    DEFAULT_PICKUP_DAYS,
    DEFAULT_TRANSFER_DAYS,
    MAX_CLERKS,
    Store,
    StoreProfile,
    parse_week,
)
from flashsale.stores.ports import StoreRepository
from flashsale.stores.service.till_register import TillRegister


class Record(StoreRepository, InventoryRepository, Protocol):
    """The parts of the record the stores use (the shop's Store)."""


class MarketReader(Protocol):
    """``Catalog``: the market a store sells in."""

    async def find_market(self, code: str) -> Market | None: ...


class StaffReader(Protocol):
    """``StaffDirectory``: a staff member by id or email."""

    async def find(self, id_or_email: str) -> StaffMember | None: ...


@dataclass(frozen=True, slots=True)
class StoreSpec:
    code: str
    name: str
    market: str
    address: str
    hours: Mapping[str, str | None]  # {"mon": "10:00-21:00", ...}; a day not named is closed
    timezone: str | None = None  # the market's by default
    pickup: bool = True
    pickup_days: int = DEFAULT_PICKUP_DAYS
    ships_online: bool = False
    pickup_by_transfer: bool = False
    transfer_days: int = DEFAULT_TRANSFER_DAYS
    clerks: Sequence[str] = field(default_factory=tuple)  # staff ids or emails, role clerk
    latitude: float | None = None
    longitude: float | None = None


class StoreDirectory:
    def __init__(
        self, store: Record, markets: MarketReader, staff: StaffReader, register: TillRegister
    ) -> None:
        self._store = store
        self._markets = markets
        self._staff = staff
        self._register = register

    async def add(self, spec: StoreSpec) -> Store:
        """422 for a bad field, an unknown market or a clerk who is no clerk; 409 when the code
        is taken (by a store or any other location)."""
        market = await self._markets.find_market(spec.market.upper())
        if market is None:
            raise InvalidInput(f"market: no market {spec.market[:8]!r}")
        location = Location(
            code=spec.code.strip().upper(),
            name=spec.name.strip(),
            market_code=market.code,
            timezone=spec.timezone or market.timezone,
            kind=LocationKind.STORE,
            address=spec.address.strip(),
            cutoff=time(17, 0),
            latitude=spec.latitude,
            longitude=spec.longitude,
        )
        location.check_new()
        profile = StoreProfile(
            location.code, parse_week(spec.hours), spec.pickup, spec.pickup_days,
            spec.ships_online, spec.pickup_by_transfer, spec.transfer_days,
        )  # fmt: skip
        profile.check_new()
        clerks = await self._clerk_ids(spec.clerks)
        await self._store.store_add(location, profile, clerks)
        return Store(location, profile, tuple(sorted(clerks)))

    async def _clerk_ids(self, given: Sequence[str]) -> list[str]:
        if len(given) > MAX_CLERKS:
            raise InvalidInput(f"clerks: at most {MAX_CLERKS}")
        ids: list[str] = []
        for who in given:
            member = await self._staff.find(who)
            if member is None:
                raise InvalidInput(f"clerks: no staff member {who[:80]!r}")
            if Role.CLERK not in member.roles:
                raise InvalidInput(f"clerks: {member.email} does not have the role clerk")
            if member.id not in ids:
                ids.append(member.id)
        return ids

    async def get(self, code: str) -> Store:
        code = code.strip().upper()
        profile = await self._store.store_profile(code)
        location = await self._store.location(code)
        if profile is None or location is None:
            raise NotFound(f"no store {code[:40]}")
        return Store(location, profile, tuple(await self._store.store_clerks(code)))

    async def all(self, market: str | None = None) -> list[Store]:
        """By code; only the market's when one is named."""
        profiles = {p.code: p for p in await self._store.store_profiles()}
        found = []
        for location in await self._store.locations(market.upper() if market else None):
            profile = profiles.get(location.code)
            if profile is not None:
                clerks = tuple(await self._store.store_clerks(location.code))
                found.append(Store(location, profile, clerks))
        return found

    async def put_clerks(self, code: str, clerks: Sequence[str]) -> Store:
        store = await self.get(code)
        await self._store.store_put_clerks(store.code, await self._clerk_ids(clerks))
        self._register.forget_clerks(store.code)
        return await self.get(code)

    async def clerks(self, code: str) -> list[str]:
        return await self._store.store_clerks(code)
