"""The AddressRepository contract (customers' address books): memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from flashsale.customers.adapters.memory_addresses import MemoryAddressRepository
from flashsale.customers.adapters.sql_addresses import SqlAddressRepository
from flashsale.customers.address_ports import AddressRepository
from flashsale.customers.saved_addresses import AddressFields, SavedAddress
from flashsale.record.sql_store import SqlStore
from flashsale.record.store import Store
from tests.contract.record_world import INDIA, T0, customer

HOME = AddressFields("Asha Rao", "12 MG Road", "", "Bengaluru", "560001", "+91 80 1", "IN", "IN-KA")
WORK = AddressFields(
    "Asha Rao", "1 Infantry Rd", "Floor 3", "Bengaluru", "560001", "+91 80 2", "IN", "IN-KA"
)
MUM = AddressFields("Lata Rao", "5 Marine Dr", "", "Mumbai", "400020", "+91 22 3", "IN", "IN-MH")


@pytest.fixture
async def book(store: Store) -> AsyncIterator[AddressRepository]:
    await store.add_markets([INDIA])
    await store.add_customers([customer(1), customer(2)])
    if isinstance(store, SqlStore):
        # Over the record's engine, as bootstrap builds it; the store closes the engine.
        yield SqlAddressRepository(store.engine)
    else:
        yield MemoryAddressRepository()


def saved(n: int, address: AddressFields, who: int = 1, default: bool = False) -> SavedAddress:
    return SavedAddress(f"adr_{n}", f"cus_{who}", address, default, T0 + timedelta(minutes=n))


async def test_the_first_address_is_the_default_and_a_later_one_takes_over_when_asked(
    book: AddressRepository,
) -> None:
    assert await book.saved_addresses("cus_1") == []
    first = await book.add_saved_address(saved(1, HOME), most=20)
    assert first == saved(1, HOME, default=True)
    assert await book.add_saved_address(saved(2, WORK), most=20) == saved(2, WORK)
    await book.add_saved_address(saved(3, MUM, default=True), most=20)
    found = await book.saved_addresses("cus_1")
    # The default first, then the oldest first.
    assert [(s.id, s.is_default) for s in found] == [
        ("adr_3", True),
        ("adr_1", False),
        ("adr_2", False),
    ]
    assert found[1].address == HOME and found[1].created_at == T0 + timedelta(minutes=1)


async def test_each_customer_sees_and_changes_only_their_own_book(
    book: AddressRepository,
) -> None:
    await book.add_saved_address(saved(1, HOME), most=20)
    await book.add_saved_address(saved(2, MUM, who=2), most=20)
    assert [s.id for s in await book.saved_addresses("cus_2")] == ["adr_2"]
    assert await book.replace_saved_address("cus_2", "adr_1", WORK) is None
    assert await book.remove_saved_address("cus_2", "adr_1") is False
    assert await book.make_default_address("cus_2", "adr_1") is False
    assert [s.address for s in await book.saved_addresses("cus_1")] == [HOME]


async def test_new_lines_replace_the_old_and_keep_the_default(book: AddressRepository) -> None:
    await book.add_saved_address(saved(1, HOME), most=20)
    replaced = await book.replace_saved_address("cus_1", "adr_1", WORK)
    assert replaced == saved(1, WORK, default=True)
    assert await book.saved_addresses("cus_1") == [saved(1, WORK, default=True)]
    assert await book.replace_saved_address("cus_1", "adr_9", WORK) is None


async def test_removing_the_default_makes_the_oldest_left_the_default(
    book: AddressRepository,
) -> None:
    for n, address in enumerate((HOME, WORK, MUM), start=1):
        await book.add_saved_address(saved(n, address), most=20)
    assert await book.make_default_address("cus_1", "adr_3") is True
    assert [s.id for s in await book.saved_addresses("cus_1") if s.is_default] == ["adr_3"]
    assert await book.remove_saved_address("cus_1", "adr_3") is True
    assert [(s.id, s.is_default) for s in await book.saved_addresses("cus_1")] == [
        ("adr_1", True),
        ("adr_2", False),
    ]
    assert await book.remove_saved_address("cus_1", "adr_2") is True
    assert await book.remove_saved_address("cus_1", "adr_1") is True
    assert await book.saved_addresses("cus_1") == []
    assert await book.remove_saved_address("cus_1", "adr_1") is False


async def test_a_full_book_takes_no_more(book: AddressRepository) -> None:
    await book.add_saved_address(saved(1, HOME), most=2)
    await book.add_saved_address(saved(2, WORK), most=2)
    assert await book.add_saved_address(saved(3, MUM, default=True), most=2) is None
    assert [(s.id, s.is_default) for s in await book.saved_addresses("cus_1")] == [
        ("adr_1", True),
        ("adr_2", False),
    ]


async def test_adds_at_once_never_pass_the_bound_nor_make_two_defaults(
    book: AddressRepository,
) -> None:
    lines = [replace(HOME, line2=f"Flat {n}") for n in range(12)]
    added = await asyncio.gather(
        *(
            book.add_saved_address(saved(n, a, default=n % 2 == 0), most=5)
            for n, a in enumerate(lines)
        )
    )
    stored = await book.saved_addresses("cus_1")
    assert len(stored) == 5 == sum(a is not None for a in added)
    assert sum(s.is_default for s in stored) == 1
