"""What the stores' profiles let fulfilment do with their shelves: which ship home deliveries
(``ships_online``) and which take pickups sent from a DC (``pickup_by_transfer``). Fulfilment
reads it through its ``StoreOptionsReader`` port, with the market's settings (every few
seconds, never per order): fulfilment imports nothing of the stores."""

from __future__ import annotations

from typing import Protocol

from flashsale.fulfilment.domain.strategies import StoreOptions
from flashsale.stores.domain.store import StoreProfile


class ProfileReader(Protocol):
    async def store_profiles(self) -> list[StoreProfile]: ...


class StoreFulfilmentOptions:
    def __init__(self, record: ProfileReader) -> None:
        self._record = record

    async def store_options(self) -> StoreOptions:
        profiles = await self._record.store_profiles()
        return options_of(profiles)


def options_of(profiles: list[StoreProfile]) -> StoreOptions:
    return StoreOptions(
        ships_online=frozenset(p.code for p in profiles if p.ships_online),
        by_transfer=frozenset(p.code for p in profiles if p.pickup and p.pickup_by_transfer),
    )
