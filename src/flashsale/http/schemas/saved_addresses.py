"""Bodies of a customer's address book: the shipping address's own fields, an id and a default."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from flashsale.customers.saved_addresses import ADDRESS_FIELDS, SavedAddress
from flashsale.http.schemas.addresses import ShippingAddressIn, ShippingAddressOut
from flashsale.http.schemas.base import ResponseBody


class SavedAddressIn(ShippingAddressIn):
    default: bool = Field(
        default=False,
        description="Make it the default (the first address saved is the default anyway).",
    )

    def fields(self) -> dict[str, str]:
        return {name: value for name, value in super().fields().items() if name in ADDRESS_FIELDS}


class SavedAddressOut(ResponseBody):
    id: str
    default: bool
    created_at: datetime
    address: ShippingAddressOut

    @classmethod
    def of(cls, saved: SavedAddress) -> SavedAddressOut:
        lines = {name: getattr(saved.address, name) for name in ADDRESS_FIELDS}
        return cls(
            id=saved.id,
            default=saved.is_default,
            created_at=saved.created_at,
            address=ShippingAddressOut(**lines),
        )


class SavedAddressListOut(ResponseBody):
    addresses: list[SavedAddressOut] = Field(description="The default first, then the oldest.")
