"""The address book's use cases on the memory repository, with the orders' rules for an
address (as bootstrap wires them)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flashsale.bootstrap import saved_address_rules
from flashsale.customers.adapters.memory_addresses import MemoryAddressRepository
from flashsale.customers.address_book import AddressBook
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import Conflict, InvalidInput, NotFound

HOME = {
    "recipient": " Asha Rao ",
    "line1": "12 MG Road",
    "city": "Bengaluru",
    "postal_code": "560001",
    "phone": "+91 80 1234 5678",
    "country": "in",
    "region": "in-ka",
}
OFFICE = {**HOME, "line1": "1 Infantry Road"}


def book(most: int = 20) -> AddressBook:
    clock = ManualClock(datetime(2017, 5, 20, 4, 30, tzinfo=UTC))
    return AddressBook(MemoryAddressRepository(), saved_address_rules, clock, most=most)


async def test_an_address_is_kept_as_an_order_would_store_it_and_only_once() -> None:
    addresses = book()
    home = await addresses.add("cus_1", HOME)
    assert home.is_default and home.id.startswith("adr_")
    assert (home.address.recipient, home.address.country, home.address.region) == (
        "Asha Rao",
        "IN",
        "IN-KA",
    )
    office = await addresses.add("cus_1", OFFICE)
    # The same lines again: the one kept, made the default when asked.
    again = await addresses.add("cus_1", {**OFFICE, "recipient": "Asha Rao"}, default=True)
    assert again.id == office.id and again.is_default
    assert [a.id for a in await addresses.addresses("cus_1")] == [office.id, home.id]
    assert await addresses.default("cus_1") == again
    assert await addresses.default("cus_2") is None


async def test_what_an_order_refuses_the_book_refuses() -> None:
    addresses = book()
    with pytest.raises(InvalidInput, match="region"):
        await addresses.add("cus_1", {**HOME, "region": ""})
    home = await addresses.add("cus_1", HOME)
    with pytest.raises(InvalidInput, match="country"):
        await addresses.replace("cus_1", home.id, {**HOME, "country": "XX"})
    assert [a.address.line1 for a in await addresses.addresses("cus_1")] == ["12 MG Road"]


async def test_another_customers_address_is_missing_and_a_full_book_is_a_conflict() -> None:
    addresses = book(most=2)
    home = await addresses.add("cus_1", HOME)
    for call in (
        addresses.address("cus_2", home.id),
        addresses.replace("cus_2", home.id, OFFICE),
        addresses.remove("cus_2", home.id),
        addresses.make_default("cus_2", home.id),
    ):
        with pytest.raises(NotFound):
            await call
    await addresses.add("cus_1", OFFICE)
    with pytest.raises(Conflict, match="2 addresses"):
        await addresses.add("cus_1", {**HOME, "line2": "Flat 2"})
