"""What the address book needs: where the addresses are kept, and the rule they must pass."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flashsale.customers.saved_addresses import AddressFields, SavedAddress


class AddressRules(Protocol):
    def __call__(self, fields: Mapping[str, str]) -> AddressFields:
        """The address these loosely typed fields give, normalised; InvalidInput (naming the
        field) when it is no address an order may ship to."""
        ...


class AddressRepository(Protocol):
    """Customers' saved addresses. Each call touches one customer's book only; a book has at
    most one default, and has one whenever it is not empty."""

    async def saved_addresses(self, customer_id: str) -> list[SavedAddress]:
        """The customer's book: the default first, then the oldest first."""
        ...

    async def add_saved_address(self, saved: SavedAddress, most: int) -> SavedAddress | None:
        """Store it, as the default when it asks to be or when the book was empty (the former
        default then is not), in one transaction; None, storing nothing, when the book holds
        ``most`` addresses already. Two adds at once never pass ``most`` together."""
        ...

    async def replace_saved_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> SavedAddress | None:
        """New lines for one of the customer's addresses; None when the customer has none of
        that id."""
        ...

    async def remove_saved_address(self, customer_id: str, address_id: str) -> bool:
        """Forget one of the customer's addresses (removing the default makes the oldest left
        the default); False when the customer has none of that id."""
        ...

    async def make_default_address(self, customer_id: str, address_id: str) -> bool:
        """That address becomes the default, the former one not; False when the customer has
        none of that id."""
        ...
