"""Cutting waves at a location, and printing them (``domain/waves.py`` says what a wave is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from zoneinfo import ZoneInfo

from flashsale.fulfilment.domain.waves import Wave
from flashsale.fulfilment.ops_errors import NothingToWave
from flashsale.fulfilment.ports import WaveRepository
from flashsale.fulfilment.service.wave_documents import packing_slips_pdf, pick_list_pdf
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.orders.domain.shipping import ShippingAddress

MAX_LISTED = 200


class AddressReader(Protocol):
    """Orders' ``Shipping``: the address an order ships to."""

    async def address_of(self, order_id: str) -> ShippingAddress | None: ...


class Waves:
    def __init__(
        self,
        store: WaveRepository,
        locations: Locations,
        addresses: AddressReader,
        clock: Clock,
        ids: Callable[[], str] = lambda: new_id("wav"),
    ) -> None:
        self._store = store
        self._locations = locations
        self._addresses = addresses
        self._clock = clock
        self._ids = ids

    async def cut(self, location_code: str, max_orders: int | None, actor: str) -> Wave:
        """The next wave at the location; refused (NothingToWave) when no order waits there or
        its hour's capacity is spent."""
        location = await self._locations.get(location_code.upper())
        cut = await self._store.cut_wave(
            self._ids(),
            location.code,
            location.capacity_per_hour,
            max_orders,
            self._clock.now(),
            actor,
        )
        if cut is None:
            raise NothingToWave(
                f"{location.code}: no allocated order waits, or the {location.capacity_per_hour}"
                " orders of its hour are waved already"
            )
        return cut

    async def get(self, wave_id: str) -> Wave:
        found = await self._store.wave(wave_id)
        if found is None:
            raise NotFound(f"no wave {wave_id[:64]}")
        return found

    async def listed(self, location: str | None = None, limit: int = 20) -> list[Wave]:
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit: 1 to {MAX_LISTED}")
        return await self._store.waves(location.upper() if location else None, limit)

    async def pick_list(self, wave_id: str) -> bytes:
        wave = await self.get(wave_id)
        location = await self._locations.get(wave.location)
        local = wave.cut_at.astimezone(ZoneInfo(location.timezone))
        return pick_list_pdf(wave, location.name, f"{local:%Y-%m-%d %H:%M} {location.timezone}")

    async def packing_slips(self, wave_id: str) -> bytes:
        wave = await self.get(wave_id)
        # One read per order: orders' port has no batch read of addresses yet.
        addresses = {
            fo.source_id: await self._addresses.address_of(fo.source_id) for fo in wave.orders
        }
        return packing_slips_pdf(wave, addresses)
