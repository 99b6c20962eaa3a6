"""Rows of the inventory's tables as the domain's values, and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.location import Location, LocationKind, RegionRank
from flashsale.inventory.domain.stock import Move, MoveKind, StockLevel


def location_row(location: Location) -> dict[str, Any]:
    return {
        "code": location.code,
        "name": location.name,
        "kind": location.kind.value,
        "market_code": location.market_code,
        "address": location.address,
        "timezone": location.timezone,
        "capacity_per_hour": location.capacity_per_hour,
        "cutoff": location.cutoff,
        "regions": [[r.region, r.rank] for r in location.regions],
        "active": location.active,
        "latitude": location.latitude,
        "longitude": location.longitude,
    }


def location_of(row: RowMapping) -> Location:
    return Location(
        code=row["code"],
        name=row["name"],
        market_code=row["market_code"],
        timezone=row["timezone"],
        kind=LocationKind(row["kind"]),
        address=row["address"],
        capacity_per_hour=row["capacity_per_hour"],
        cutoff=row["cutoff"],
        regions=tuple(RegionRank(region, rank) for region, rank in row["regions"]),
        active=row["active"],
        latitude=row["latitude"],
        longitude=row["longitude"],
    )


def level_of(row: RowMapping) -> StockLevel:
    return StockLevel(
        row["location"], row["sku"], row["on_hand"], row["allocated"], row["committed"]
    )


def move_row(move: Move) -> dict[str, Any]:
    return {
        "location": move.location,
        "sku": move.sku,
        "kind": move.kind.value,
        "on_hand_change": move.on_hand_change,
        "allocated_change": move.allocated_change,
        "reference": move.reference,
        "actor": move.actor,
        "at": move.at,
    }


def move_of(row: RowMapping) -> Move:
    return Move(
        row["location"],
        row["sku"],
        MoveKind(row["kind"]),
        row["on_hand_change"],
        row["allocated_change"],
        row["reference"],
        row["actor"],
        row["at"],
        row["id"],
    )


def allotment_of(row: RowMapping) -> Allotment:
    return Allotment(
        row["sale_id"], row["location"], row["sku"], row["quantity"], row["drawn"], row["closed"]
    )
