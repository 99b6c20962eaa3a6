"""Rows of the waiting-room tables and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.waiting_room.domain.room import RoomConfig, RoomSettings

SETTINGS_COLUMNS = (
    "admission_rate_per_second",
    "shuffle_pre_queue",
    "token_lifetime_seconds",
    "pow_difficulty",
    "registrations_per_address",
    "customer_requests_per_second",
    "address_requests_per_second",
)


def settings_row(settings: RoomSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in SETTINGS_COLUMNS}


def room_row(room: RoomConfig) -> dict[str, Any]:
    return {
        "sale_id": room.sale_id,
        **settings_row(room.settings),
        "seed": room.seed.hex(),
        "commitment": room.commitment,
        "created_at": room.created_at,
        "sealed_at": room.sealed_at,
    }


def room_of(row: RowMapping) -> RoomConfig:
    return RoomConfig(
        sale_id=row["sale_id"],
        # Stored before a bound existed, a room still loads, inside today's bounds.
        settings=RoomSettings(**{name: row[name] for name in SETTINGS_COLUMNS}).within_bounds(),
        seed=bytes.fromhex(row["seed"]),
        commitment=row["commitment"],
        created_at=row["created_at"],
        sealed_at=row["sealed_at"],
    )
