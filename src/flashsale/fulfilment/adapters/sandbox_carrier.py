"""The sandbox carrier: deterministic tracking numbers and deliveries on the clock
(``domain/shipments.sandbox_due``), so parcels arrive in tests, the demo and rehearsals as the
sandbox payment gateway's cards pay."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from flashsale.fulfilment.domain.order import FulfilmentOrder
from flashsale.fulfilment.domain.shipments import SANDBOX, Shipment, sandbox_due
from flashsale.fulfilment.ports import Booking
from flashsale.inventory.domain.location import Location


class SandboxCarrier:
    name = SANDBOX

    def book(self, fo: FulfilmentOrder, location: Location, at: datetime) -> Booking:
        digest = hashlib.sha256(fo.id.encode()).hexdigest()[:12].upper()
        return Booking(f"SBX-{digest}", sandbox_due(fo, location, at))

    def delivered(self, shipments: Sequence[Shipment], at: datetime) -> list[str]:
        return [s.fulfilment_order_id for s in shipments if s.due_at <= at]
