"""Cutting waves at a location, by hand or on the worker's schedule, and printing them
(``domain/waves.py`` says what a wave is)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flashsale.fulfilment.domain.waves import Wave, scheduled_share
from flashsale.fulfilment.ops_errors import NothingToWave
from flashsale.fulfilment.ports import WaveRepository
from flashsale.fulfilment.service.wave_documents import fonts_of, packing_slips_pdf, pick_list_pdf
from flashsale.inventory.domain.location import Location, LocationKind
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.orders.domain.shipping import ShippingAddress

MAX_LISTED = 200
SCHEDULE_ACTOR = "system:waves"
# A scheduled cut that failed (the database away) is tried again this soon, not a whole
# interval later.
RETRY_AFTER = timedelta(minutes=1)

log = logging.getLogger(__name__)


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
        self._fonts = ""

    def print_with(self, fonts: str) -> None:
        """The ``pdf_fonts`` setting: font files separated by ``os.pathsep`` ("": the system's)."""
        self._fonts = fonts

    async def cut(self, location_code: str, max_orders: int | None, actor: str) -> Wave:
        """The next wave at the location; refused (NothingToWave) when no order waits there or
        its hour's capacity is spent."""
        location = await self._locations.get(location_code.upper())
        cut = await self._cut(location, max_orders, actor)
        if cut is None:
            raise NothingToWave(
                f"{location.code}: no allocated order waits, or the {location.capacity_per_hour}"
                " orders of its hour are waved already"
            )
        return cut

    async def _cut(self, location: Location, max_orders: int | None, actor: str) -> Wave | None:
        return await self._store.cut_wave(
            self._ids(),
            location.code,
            location.capacity_per_hour,
            max_orders,
            self._clock.now(),
            actor,
        )

    def every(self, interval: timedelta) -> WaveSchedule:
        """The worker's schedule of waves, one every ``interval`` at each active DC."""
        return WaveSchedule(self, interval, self._locations, self._store, self._clock)

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
        cut_at = f"{local:%Y-%m-%d %H:%M} {location.timezone}"
        fonts = fonts_of(self._fonts)
        # Drawn in a thread: a 3,500-order wave's slips take seconds of CPU, which would stall
        # every request of this process meanwhile, purchases too.
        return await asyncio.to_thread(pick_list_pdf, wave, location.name, cut_at, fonts)

    async def packing_slips(self, wave_id: str) -> bytes:
        wave = await self.get(wave_id)
        # One read per order: orders' port has no batch read of addresses yet.
        addresses = {
            fo.source_id: await self._addresses.address_of(fo.source_id) for fo in wave.orders
        }
        return await asyncio.to_thread(packing_slips_pdf, wave, addresses, fonts_of(self._fonts))


class WaveSchedule:
    """The worker's waves: every ``interval`` it cuts one at each active DC of a market where
    allocated orders wait, taking the interval's share of the hour's capacity
    (``scheduled_share``); the cut itself holds any hour's waves, scheduled or by hand, to
    ``capacity_per_hour``. Stores are left out: their allocated orders wait on the shelf for a
    clerk (click & collect), they are not picked in waves.

    A location's next wave is due ``interval`` after its last one, whoever cut it: a wave cut by
    hand moves the schedule, and a process that takes the lead over carries on from the record
    rather than cutting at once. The first turns come ``interval`` after the schedule starts,
    so a server restarted often does not cut at every start. Only the market's
    leader calls ``cut_due`` (``running.Allocators``); should two processes both believe they
    lead for a moment, the cut's transaction still keeps them from taking the same orders or
    spending the same hour twice.
    """

    def __init__(
        self,
        waves: Waves,
        interval: timedelta,
        locations: Locations,
        store: WaveRepository,
        clock: Clock,
    ) -> None:
        if interval <= timedelta(0):
            raise ValueError("a wave schedule needs a positive interval")
        self.interval = interval
        self._waves = waves
        self._locations = locations
        self._store = store
        self._clock = clock
        self._started = clock.now()
        self._due: dict[str, datetime] = {}  # by location, what this process last learnt
        # By market, the soonest of its DCs' turns: until then a step reads nothing at all.
        self._next: dict[str, datetime] = {}

    async def cut_due(self, market_code: str) -> list[Wave]:
        """A wave at each of the market's DCs whose turn it is and where orders wait."""
        now = self._clock.now()
        if now < self._next.get(market_code, self._started + self.interval):
            return []
        cut: list[Wave] = []
        soonest = now + self.interval  # a DC added meanwhile is seen by then
        for location in await self._locations.all(market_code):
            if not location.active or location.kind is not LocationKind.DC:
                continue
            if now >= self._due.get(location.code, self._started + self.interval):
                try:
                    wave = await self._cut_if_due(location, now)
                except Exception:  # the other locations still get their waves
                    log.exception("the scheduled wave at %s failed", location.code)
                    self._due[location.code] = now + RETRY_AFTER
                    wave = None
                if wave is not None:
                    cut.append(wave)
            soonest = min(soonest, self._due.get(location.code, soonest))
        self._next[market_code] = soonest
        return cut

    async def _cut_if_due(self, location: Location, now: datetime) -> Wave | None:
        # Another process (a leader before this one) or a person may have cut one since.
        last = await self._store.waves(location.code, 1)
        if last and last[0].cut_at + self.interval > now:
            self._due[location.code] = last[0].cut_at + self.interval
            return None
        share = scheduled_share(location.capacity_per_hour, self.interval)
        wave = await self._waves._cut(location, share, SCHEDULE_ACTOR)
        # Nothing waited, or the hour is spent: look again at the next turn.
        self._due[location.code] = now + self.interval
        return wave
