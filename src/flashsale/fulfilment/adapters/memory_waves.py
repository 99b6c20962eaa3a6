"""``WaveRepository`` in a Python process (``record/memory_store.py`` composes it beside the
memory fulfilment repository, whose fulfilment orders it moves)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.waves import CAPACITY_WINDOW, Wave, wave_size


class MemoryWaveRepository:
    _fulfilment: dict[str, FulfilmentOrder]  # the memory fulfilment repository's

    def __init__(self) -> None:
        super().__init__()
        self._waves: dict[str, tuple[str, str, datetime, str, tuple[str, ...]]] = {}
        self._wave_of: dict[str, str] = {}

    async def cut_wave(
        self,
        wave_id: str,
        location: str,
        capacity_per_hour: int,
        max_orders: int | None,
        at: datetime,
        actor: str,
    ) -> Wave | None:
        waved = sum(
            len(ids)
            for _, loc, cut_at, _, ids in self._waves.values()
            if loc == location and cut_at > at - CAPACITY_WINDOW
        )
        size = wave_size(capacity_per_hour, waved, max_orders)
        waiting = sorted(
            (
                fo
                for fo in self._fulfilment.values()
                if fo.status is FulfilmentStatus.ALLOCATED
                and fo.location == location
                and fo.source_kind is not SourceKind.PICKUP
            ),
            key=lambda fo: (fo.paid_at, fo.id),
        )[:size]
        if not waiting:
            return None
        taken = tuple(replace(fo, status=FulfilmentStatus.PICKING, updated_at=at) for fo in waiting)
        for fo in taken:
            self._fulfilment[fo.id] = fo
            self._wave_of[fo.id] = wave_id
        self._waves[wave_id] = (wave_id, location, at, actor, tuple(fo.id for fo in taken))
        return Wave(wave_id, location, at, actor, taken)

    async def wave(self, wave_id: str) -> Wave | None:
        found = self._waves.get(wave_id)
        return None if found is None else self._wave(found)

    async def waves(self, location: str | None = None, limit: int = 20) -> list[Wave]:
        found = [
            self._wave(x) for x in self._waves.values() if location is None or x[1] == location
        ]
        found.sort(key=lambda wave: (wave.cut_at, wave.id), reverse=True)
        return found[:limit]

    async def wave_of(self, fulfilment_order_id: str) -> str | None:
        return self._wave_of.get(fulfilment_order_id)

    def _wave(self, stored: tuple[str, str, datetime, str, tuple[str, ...]]) -> Wave:
        wave_id, location, cut_at, actor, ids = stored
        return Wave(wave_id, location, cut_at, actor, tuple(self._fulfilment[i] for i in ids))
