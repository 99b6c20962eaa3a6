"""Shipments: a fulfilment order handed to a carrier, and its delivery.

Shipping takes the units out of the building: the ledger's ``ship`` move (on-hand and
allocated down) and the ``order.shipped`` event are written with the fulfilment order's move
to ``shipped``, in one transaction. A bulk shipment (a wave's CSV) is all or nothing: a bad row
refuses the whole file, naming its lines.

The sandbox carrier's clock (``sandbox_due``) makes delivery happen without a real carrier:
a parcel to a region the location ranks first, paid before the location's cutoff on the day it
ships, arrives the same day two hours after it left; otherwise at noon local time one day per
rank later (three days to a region the location does not rank).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flashsale.fulfilment.domain.order import FulfilmentOrder
from flashsale.fulfilment.ops_errors import BadShipmentRows
from flashsale.inventory.domain.location import Location

SANDBOX = "sandbox"  # the sandbox carrier's name
MAX_CARRIER = 40
MAX_TRACKING = 64
MAX_ROWS = 100_000
SAME_DAY = timedelta(hours=2)
UNRANKED_DAYS = 3
_TRACKING = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    """One fulfilment order to ship; ``tracking_number`` empty asks the carrier for one."""

    fulfilment_order_id: str
    carrier: str
    tracking_number: str = ""


@dataclass(frozen=True, slots=True)
class Shipment:
    fulfilment_order_id: str
    order_id: str
    location: str
    sku: str
    quantity: int
    carrier: str
    tracking_number: str
    shipped_at: datetime
    due_at: datetime  # when the carrier expects to deliver it
    delivered_at: datetime | None = None

    def event_data(self) -> dict[str, object]:
        return {
            "fulfilment_order_id": self.fulfilment_order_id,
            "location": self.location,
            "quantity": self.quantity,
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
        }


def check_request(request: ShipmentRequest) -> str | None:
    """What is wrong with the request, or None."""
    if not request.fulfilment_order_id.strip():
        return "no fulfilment order"
    if not request.carrier.strip() or len(request.carrier) > MAX_CARRIER:
        return f"carrier: 1 to {MAX_CARRIER} characters"
    if request.tracking_number and not _TRACKING.fullmatch(request.tracking_number):
        return "tracking: 1 to 64 letters, digits or dashes"
    return None


def parse_shipments_csv(text: str) -> list[tuple[int, ShipmentRequest]]:
    """``fulfilment_order,carrier,tracking`` rows (a header line of those names is skipped);
    refused whole (BadShipmentRows, naming each bad line) when any row is wrong. Each request
    with its line number."""
    requests, bad = read_shipments_csv(text)
    refuse_rows(bad)
    return requests


def refuse_rows(bad: list[str]) -> None:
    if bad:
        raise BadShipmentRows("; ".join(bad[:50]) + ("; …" if len(bad) > 50 else ""))


def read_shipments_csv(text: str) -> tuple[list[tuple[int, ShipmentRequest]], list[str]]:
    """The rows that read well, each with its line number, and what is wrong with the
    others."""
    requests: list[tuple[int, ShipmentRequest]] = []
    bad: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if number == 1 and row[0].strip().lower() == "fulfilment_order":
            continue
        if len(row) != 3:
            bad.append(f"line {number}: 3 fields expected, {len(row)} found")
            continue
        request = ShipmentRequest(*(cell.strip() for cell in row))
        problem = check_request(request)
        if problem is None and request.fulfilment_order_id in seen:
            problem = (
                f"{request.fulfilment_order_id} is on line {seen[request.fulfilment_order_id]} too"
            )
        if problem is not None:
            bad.append(f"line {number}: {problem}")
            continue
        seen[request.fulfilment_order_id] = number
        requests.append((number, request))
    if len(requests) > MAX_ROWS:
        bad.append(f"at most {MAX_ROWS} rows")
    if not requests and not bad:
        bad.append("no rows: fulfilment_order,carrier,tracking expected")
    return requests, bad


def sandbox_due(fo: FulfilmentOrder, location: Location, shipped_at: datetime) -> datetime:
    """When the sandbox carrier delivers (see the module's doc)."""
    zone = ZoneInfo(location.timezone)
    shipped_local = shipped_at.astimezone(zone)
    paid_local = fo.paid_at.astimezone(zone)
    rank = location.rank_of(fo.region)
    cutoff = shipped_local.replace(
        hour=location.cutoff.hour, minute=location.cutoff.minute, second=0, microsecond=0
    )
    if rank == 1 and paid_local < cutoff and shipped_local.date() == paid_local.date():
        return shipped_at + SAME_DAY
    days = UNRANKED_DAYS if rank is None else rank
    noon = shipped_local.replace(hour=12, minute=0, second=0, microsecond=0)
    return (noon + timedelta(days=days)).astimezone(shipped_at.tzinfo)
