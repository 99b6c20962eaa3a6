"""``WaveRepository`` on SQLAlchemy Core.

A cut is one transaction: it counts the location's waves of the last hour, takes the oldest
paid allocated orders there, moves them to picking guarded by their status (an order the
allocator cancelled meanwhile is left out) and stores the wave. On PostgreSQL the cuts of one
location take turns on a transaction-scoped advisory lock, so two at once neither take the same
order nor both spend the same hour's capacity; SQLite's one writer does that by itself. Behind
both, ``wave_orders``' key is the fulfilment order: an order is in one wave at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, text, update

from flashsale.fulfilment.adapters import sql_rows as rows
from flashsale.fulfilment.adapters.sql_tables import fulfilment_orders
from flashsale.fulfilment.adapters.sql_wave_tables import wave_orders, waves
from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.waves import CAPACITY_WINDOW, Wave, wave_size
from flashsale.platform.sql.database import IDS_PER_STATEMENT, SqlDatabase

f = fulfilment_orders.c
w = waves.c
wo = wave_orders.c


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + IDS_PER_STATEMENT] for i in range(0, len(ids), IDS_PER_STATEMENT)]


class SqlWaveRepository(SqlDatabase):
    async def cut_wave(
        self,
        wave_id: str,
        location: str,
        capacity_per_hour: int,
        max_orders: int | None,
        at: datetime,
        actor: str,
    ) -> Wave | None:
        postgres = self._dialect == "postgresql"

        def work(conn: Connection) -> Wave | None:
            if postgres:
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                    {"key": f"wave:{location}"},
                )
            waved = conn.execute(
                select(func.coalesce(func.sum(w.orders), 0)).where(
                    w.location == location, w.cut_at > at - CAPACITY_WINDOW
                )
            ).scalar_one()
            size = wave_size(capacity_per_hour, int(waved), max_orders)
            if size == 0:
                return None
            candidates = list(
                conn.execute(
                    select(f.id)
                    .where(
                        f.status == FulfilmentStatus.ALLOCATED.value,
                        f.location == location,
                        # A pickup waits on the shelf to be collected, never a parcel.
                        f.source_kind != SourceKind.PICKUP.value,
                    )
                    .order_by(f.paid_at, f.id)
                    .limit(size)
                ).scalars()
            )
            taken: list[FulfilmentOrder] = []
            for chunk in _chunks(candidates):
                moved = conn.execute(
                    update(fulfilment_orders)
                    .where(f.id.in_(chunk), f.status == FulfilmentStatus.ALLOCATED.value)
                    .values(status=FulfilmentStatus.PICKING.value, updated_at=at)
                    .returning(*fulfilment_orders.c)
                ).mappings()
                taken.extend(rows.fulfilment_of(r) for r in moved)
            if not taken:
                return None
            taken.sort(key=lambda fo: (fo.paid_at, fo.id))
            conn.execute(
                insert(waves).values(
                    id=wave_id, location=location, cut_at=at, cut_by=actor, orders=len(taken)
                )
            )
            conn.execute(
                insert(wave_orders),
                [
                    {"fulfilment_order_id": fo.id, "wave_id": wave_id, "position": n}
                    for n, fo in enumerate(taken)
                ],
            )
            return Wave(wave_id, location, at, actor, tuple(taken))

        return await self._write(work)

    async def wave(self, wave_id: str) -> Wave | None:
        found = await self._waves(select(waves).where(w.id == wave_id))
        return found[0] if found else None

    async def waves(self, location: str | None = None, limit: int = 20) -> list[Wave]:
        query = select(waves).order_by(w.cut_at.desc(), w.id.desc()).limit(limit)
        if location is not None:
            query = query.where(w.location == location)
        return await self._waves(query)

    async def wave_of(self, fulfilment_order_id: str) -> str | None:
        query = select(wo.wave_id).where(wo.fulfilment_order_id == fulfilment_order_id)
        async with self._engine.connect() as conn:
            found: str | None = (await conn.execute(query)).scalar_one_or_none()
        return found

    async def _waves(self, query: object) -> list[Wave]:
        async with self._engine.connect() as conn:
            heads = list((await conn.execute(query)).mappings())  # type: ignore[call-overload]
            if not heads:
                return []
            members = (
                select(wo.wave_id, fulfilment_orders)
                .join(fulfilment_orders, f.id == wo.fulfilment_order_id)
                .where(wo.wave_id.in_([h["id"] for h in heads]))
                .order_by(wo.wave_id, wo.position)
            )
            held: dict[str, list[FulfilmentOrder]] = {}
            for row in (await conn.execute(members)).mappings():
                held.setdefault(row["wave_id"], []).append(rows.fulfilment_of(row))
        return [
            Wave(h["id"], h["location"], h["cut_at"], h["cut_by"], tuple(held.get(h["id"], [])))
            for h in heads
        ]
