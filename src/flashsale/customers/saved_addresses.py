"""A customer's address book: the shipping addresses they keep for the checkouts to come.

The customers' domain keeps them but does not judge them: what a good address is (its lines, a
country, that country's region) is the orders' rule for an order's address, handed in as
``address_ports.AddressRules`` so a saved address passes exactly the checks an order's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The parts of an address, in the order an order's address names them.
ADDRESS_FIELDS = (
    "recipient",
    "line1",
    "line2",
    "city",
    "postal_code",
    "phone",
    "country",
    "region",
)
# Enough for home, work, family and friends; a bound keeps a page and a checkout short.
MOST_SAVED_ADDRESSES = 20


@dataclass(frozen=True, slots=True)
class AddressFields:
    """An address as the rules passed it: trimmed, codes upper case (ISO 3166-1 and -2)."""

    recipient: str
    line1: str
    line2: str
    city: str
    postal_code: str
    phone: str
    country: str
    region: str | None

    def as_form(self) -> dict[str, str]:
        """As a form (or the rules) takes it: every part a string."""
        return {name: getattr(self, name) or "" for name in ADDRESS_FIELDS}


@dataclass(frozen=True, slots=True)
class SavedAddress:
    id: str
    customer_id: str
    address: AddressFields
    is_default: bool
    created_at: datetime
