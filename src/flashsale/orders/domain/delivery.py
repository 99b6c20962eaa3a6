"""How a paid order reaches its customer: shipped to the address, or picked up at a store
(click & collect). Chosen while the order is reserved; none chosen means shipped."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from flashsale.kernel.errors import InvalidInput

MAX_STORE_CODE = 32  # a location's code (inventory's ``locations.code``)


class DeliveryMethod(enum.StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"


@dataclass(frozen=True, slots=True)
class Delivery:
    method: DeliveryMethod
    store: str | None = None  # the pickup store's location code; None when shipped

    def __post_init__(self) -> None:
        if self.method is DeliveryMethod.PICKUP:
            if not self.store or len(self.store) > MAX_STORE_CODE:
                raise InvalidInput("store: a pickup needs the store's code")
        elif self.store is not None:
            raise InvalidInput("store: only a pickup names a store")

    @classmethod
    def of(cls, method: str, store: str | None) -> Delivery:
        """From loosely typed input: the method checked, the store code trimmed, upper case."""
        try:
            chosen = DeliveryMethod(method)
        except ValueError:
            raise InvalidInput("method: ship or pickup") from None
        code = store.strip().upper() if store is not None else None
        return cls(chosen, code or None)

    @property
    def pickup_store(self) -> str | None:
        return self.store if self.method is DeliveryMethod.PICKUP else None


SHIP = Delivery(DeliveryMethod.SHIP)


def delivery_data(delivery: Delivery) -> dict[str, Any]:
    """The ``order.delivery_set`` event's data, the same on every adapter."""
    return {"method": delivery.method.value, "store": delivery.store}
