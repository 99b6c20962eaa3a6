"""``/api/v1/me/addresses`` on every record: a customer's own book (another's address answers
404), the default kept one and only one, the rules of an order's address (422 naming the field,
nothing written), and a full book refused with 409."""

from __future__ import annotations

from typing import Any

import httpx

from flashsale.customers.saved_addresses import MOST_SAVED_ADDRESSES
from flashsale.kernel.clock import ManualClock
from tests.e2e import backends
from tests.e2e.test_bad_input import SignUp, assert_problem

shop = backends.shop
postgres_url = backends.postgres_url

BOOK = "/api/v1/me/addresses"
HOME: dict[str, Any] = {
    "recipient": "Asha Rao",
    "line1": "12 MG Road",
    "city": "Bengaluru",
    "postal_code": "560001",
    "phone": "+91 80 1234 5678",
    "country": "in",
    "region": "in-ka",
}
OFFICE = {**HOME, "line1": "1 Infantry Road", "line2": "Floor 3"}
PARENTS = {**HOME, "city": "Mumbai", "postal_code": "400020", "region": "IN-MH"}


def ids(listing: httpx.Response) -> list[tuple[str, bool]]:
    assert listing.status_code == 200, listing.text
    return [(a["id"], a["default"]) for a in listing.json()["addresses"]]


async def test_a_customer_keeps_changes_and_forgets_addresses_with_one_default(
    client: httpx.AsyncClient, sign_up: SignUp, clock: ManualClock
) -> None:
    fan = await sign_up("asha@example.com")
    assert ids(await client.get(BOOK, headers=fan)) == []
    first = await client.post(BOOK, headers=fan, json=HOME)
    assert first.status_code == 201, first.text
    home = first.json()
    # Stored as an order's address is: codes upper case, line 2 empty.
    assert home["default"] is True
    assert home["address"] == {**HOME, "line2": "", "country": "IN", "region": "IN-KA"}
    clock.advance(1)  # the book lists in the order addresses were added: not in one instant
    office = (await client.post(BOOK, headers=fan, json=OFFICE)).json()
    assert office["default"] is False
    # The same address again is not kept twice.
    again = await client.post(BOOK, headers=fan, json=HOME)
    assert again.status_code == 201 and again.json()["id"] == home["id"]
    clock.advance(1)
    parents = await client.post(BOOK, headers=fan, json={**PARENTS, "default": True})
    assert parents.json()["default"] is True
    assert ids(await client.get(BOOK, headers=fan)) == [
        (parents.json()["id"], True),
        (home["id"], False),
        (office["id"], False),
    ]

    made = await client.post(f"{BOOK}/{office['id']}/default", headers=fan)
    assert made.status_code == 200 and made.json()["default"] is True
    moved = await client.put(
        f"{BOOK}/{office['id']}", headers=fan, json={**OFFICE, "line1": "2 Infantry Road"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["address"]["line1"] == "2 Infantry Road" and moved.json()["default"]

    gone = await client.delete(f"{BOOK}/{office['id']}", headers=fan)
    assert gone.status_code == 204
    # The default went: the oldest left takes over.
    assert ids(await client.get(BOOK, headers=fan)) == [
        (home["id"], True),
        (parents.json()["id"], False),
    ]


async def test_another_customers_address_is_missing_to_every_call(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    owner = await sign_up("owner@example.com")
    other = await sign_up("other@example.com")
    address_id = (await client.post(BOOK, headers=owner, json=HOME)).json()["id"]
    for response in (
        await client.put(f"{BOOK}/{address_id}", headers=other, json=OFFICE),
        await client.delete(f"{BOOK}/{address_id}", headers=other),
        await client.post(f"{BOOK}/{address_id}/default", headers=other),
    ):
        assert_problem(response, 404, "not-found")
    assert ids(await client.get(BOOK, headers=other)) == []
    listing = (await client.get(BOOK, headers=owner)).json()["addresses"]
    assert [a["address"]["line1"] for a in listing] == [HOME["line1"]]
    assert_problem(await client.get(BOOK), 401, "authentication-failed")


async def test_an_address_an_order_would_refuse_is_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    fan = await sign_up("asha@example.com")
    # The body's shape is the schema's (validation-error), what an address is the domain's.
    for bad, problem in (
        ({**HOME, "region": None}, "invalid-input"),  # India has regions
        ({**HOME, "region": "US-CA"}, "invalid-input"),  # another country's
        ({**HOME, "country": "ZZ"}, "invalid-input"),
        ({**HOME, "recipient": "  "}, "validation-error"),
        ({**HOME, "default": "yes"}, "validation-error"),
        ({key: value for key, value in HOME.items() if key != "city"}, "validation-error"),
    ):
        assert_problem(await client.post(BOOK, headers=fan, json=bad), 422, problem)
    assert ids(await client.get(BOOK, headers=fan)) == []
    address_id = (await client.post(BOOK, headers=fan, json=HOME)).json()["id"]
    changed = await client.put(f"{BOOK}/{address_id}", headers=fan, json={**HOME, "region": None})
    assert_problem(changed, 422, "invalid-input")
    listing = (await client.get(BOOK, headers=fan)).json()["addresses"]
    assert listing[0]["address"]["region"] == "IN-KA"


async def test_a_full_book_takes_no_more(client: httpx.AsyncClient, sign_up: SignUp) -> None:
    fan = await sign_up("asha@example.com")
    for n in range(MOST_SAVED_ADDRESSES):
        added = await client.post(BOOK, headers=fan, json={**HOME, "line2": f"Flat {n}"})
        assert added.status_code == 201, added.text
    full = await client.post(BOOK, headers=fan, json={**HOME, "line2": "One more"})
    assert_problem(full, 409, "conflict")
    assert len(ids(await client.get(BOOK, headers=fan))) == MOST_SAVED_ADDRESSES
