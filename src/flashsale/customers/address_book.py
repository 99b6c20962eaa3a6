"""The address book's use cases: keep, change, forget and choose a default among a customer's
shipping addresses. Another customer's address is reported missing, as another's order is."""

from __future__ import annotations

from collections.abc import Mapping

from flashsale.customers.address_ports import AddressRepository, AddressRules
from flashsale.customers.saved_addresses import MOST_SAVED_ADDRESSES, SavedAddress
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import Conflict, NotFound
from flashsale.kernel.ids import new_id


class AddressBook:
    def __init__(
        self,
        repository: AddressRepository,
        rules: AddressRules,
        clock: Clock,
        most: int = MOST_SAVED_ADDRESSES,
    ) -> None:
        self._repository = repository
        self._rules = rules
        self._clock = clock
        self._most = most

    async def addresses(self, customer_id: str) -> list[SavedAddress]:
        """The default first, then the oldest first."""
        return await self._repository.saved_addresses(customer_id)

    async def address(self, customer_id: str, address_id: str) -> SavedAddress:
        found = await self._repository.saved_addresses(customer_id)
        for saved in found:
            if saved.id == address_id:
                return saved
        raise NotFound(f"no saved address {address_id}")

    async def add(
        self, customer_id: str, fields: Mapping[str, str], *, default: bool = False
    ) -> SavedAddress:
        """Keep an address (InvalidInput when it is no address an order may ship to). One the
        book holds already, line for line, is not kept twice: that one is answered (made the
        default if asked). Conflict when the book is full."""
        address = self._rules(fields)
        for saved in await self._repository.saved_addresses(customer_id):
            if saved.address == address:
                if default and not saved.is_default:
                    return await self.make_default(customer_id, saved.id)
                return saved
        added = await self._repository.add_saved_address(
            SavedAddress(
                id=new_id("adr"),
                customer_id=customer_id,
                address=address,
                is_default=default,
                created_at=self._clock.now(),
            ),
            self._most,
        )
        if added is None:
            raise Conflict(
                f"the address book holds {self._most} addresses already; remove one first"
            )
        return added

    async def replace(
        self, customer_id: str, address_id: str, fields: Mapping[str, str]
    ) -> SavedAddress:
        """New lines for a saved address; the orders that shipped to it keep their own copy."""
        address = self._rules(fields)
        replaced = await self._repository.replace_saved_address(customer_id, address_id, address)
        if replaced is None:
            raise NotFound(f"no saved address {address_id}")
        return replaced

    async def remove(self, customer_id: str, address_id: str) -> None:
        if not await self._repository.remove_saved_address(customer_id, address_id):
            raise NotFound(f"no saved address {address_id}")

    async def make_default(self, customer_id: str, address_id: str) -> SavedAddress:
        if not await self._repository.make_default_address(customer_id, address_id):
            raise NotFound(f"no saved address {address_id}")
        return await self.address(customer_id, address_id)

    async def default(self, customer_id: str) -> SavedAddress | None:
        found = await self._repository.saved_addresses(customer_id)
        return found[0] if found and found[0].is_default else None
