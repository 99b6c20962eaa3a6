"""PUT /api/v1/orders/{id}/shipping-address on every record: the address with its country and
region stored, another customer's order missing, a closed one refused, and every bad input a
422 that names its field, with nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.shipping import ShippingAddress
from tests.e2e import backends
from tests.e2e.test_bad_input import CreateSale, SignUp, assert_problem
from tests.e2e.test_refunds_api import CARD, bought

shop = backends.shop
postgres_url = backends.postgres_url

HOME: dict[str, Any] = {
    "recipient": "Asha Rao",
    "line1": "12 MG Road",
    "city": "Bengaluru",
    "postal_code": "560001",
    "phone": "+91 80 1234 5678",
    "country": "IN",
    "region": "IN-KA",
}


def addressing(order_id: str) -> str:
    return f"/api/v1/orders/{order_id}/shipping-address"


async def test_a_reserved_order_takes_its_address_and_may_change_it(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, fan = await bought(client, clock, sign_up, create_sale, pay=False)
    put = await client.put(
        addressing(order_id), headers=fan, json={**HOME, "country": "in", "region": "in-ka"}
    )
    assert put.status_code == 200, put.text
    assert put.json() == {**HOME, "line2": ""}  # codes as stored: upper case
    assert await shop.shipping.address_of(order_id) == ShippingAddress(**HOME)

    moved = {**HOME, "line2": "Flat 2", "city": "Shenzhen", "country": "CN", "region": "CN-GD"}
    again = await client.put(addressing(order_id), headers=fan, json=moved)
    assert again.status_code == 200, again.text
    assert await shop.shipping.address_of(order_id) == ShippingAddress(**moved)

    # A country without regions takes none.
    aruba = {**HOME, "city": "Oranjestad", "country": "AW", "region": None}
    assert (await client.put(addressing(order_id), headers=fan, json=aruba)).status_code == 200
    no_region = {key: value for key, value in aruba.items() if key != "region"}
    answer = await client.put(addressing(order_id), headers=fan, json=no_region)
    assert answer.status_code == 200 and answer.json()["region"] is None

    paid = await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=CARD)
    assert paid.status_code == 200, paid.text
    stored = await shop.shipping.address_of(order_id)
    assert stored is not None and (stored.country, stored.region) == ("AW", None)


async def test_another_customers_order_is_missing_and_a_closed_one_keeps_its_address(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
) -> None:
    order_id, fan = await bought(client, clock, sign_up, create_sale, pay=False)
    other = await sign_up("other@example.com")
    assert_problem(
        await client.put(addressing(order_id), headers=other, json=HOME), 404, "not-found"
    )
    assert_problem(
        await client.put(addressing("ord_nope"), headers=fan, json=HOME), 404, "not-found"
    )
    assert_problem(await client.put(addressing(order_id), json=HOME), 401, "authentication-failed")
    assert await shop.shipping.address_of(order_id) is None

    assert (await client.put(addressing(order_id), headers=fan, json=HOME)).status_code == 200
    assert (await client.post(f"/api/v1/orders/{order_id}/cancel", headers=fan)).status_code == 200
    elsewhere = {**HOME, "city": "Mysuru"}
    refused = await client.put(addressing(order_id), headers=fan, json=elsewhere)
    assert_problem(refused, 409, "order-not-payable")
    assert "no longer reserved" in refused.json()["detail"]
    assert await shop.shipping.address_of(order_id) == ShippingAddress(**HOME)


def _without(name: str) -> dict[str, Any]:
    return {key: value for key, value in HOME.items() if key != name}


@pytest.mark.parametrize(
    ("body", "problem", "field"),
    [
        # the codes, which the domain checks by name
        ({**HOME, "country": "ZZ"}, "invalid-input", "country"),
        ({**HOME, "region": "CN-GD"}, "invalid-input", "region"),
        ({**HOME, "region": "IN-ZZ"}, "invalid-input", "region"),
        (_without("region"), "invalid-input", "region"),
        ({**HOME, "region": None}, "invalid-input", "region"),
        ({**HOME, "country": "AW", "region": "AW-01"}, "invalid-input", "region"),
        # their shapes, which the body's schema checks
        (_without("country"), "validation-error", "country"),
        ({**HOME, "country": "IND"}, "validation-error", "country"),
        ({**HOME, "country": "India"}, "validation-error", "country"),
        ({**HOME, "country": 356}, "validation-error", "country"),
        ({**HOME, "country": None}, "validation-error", "country"),
        ({**HOME, "region": "KA"}, "validation-error", "region"),
        ({**HOME, "region": "Karnataka"}, "validation-error", "region"),
        ({**HOME, "region": ""}, "validation-error", "region"),
        ({**HOME, "region": ["IN-KA"]}, "validation-error", "region"),
        # the lines of the address
        (_without("recipient"), "validation-error", "recipient"),
        ({**HOME, "recipient": "   "}, "validation-error", "recipient"),
        ({**HOME, "line1": ""}, "validation-error", "line1"),
        ({**HOME, "city": "x" * 101}, "validation-error", "city"),
        ({**HOME, "postal_code": "5" * 21}, "validation-error", "postal_code"),
        ({**HOME, "phone": "+91\x0080"}, "validation-error", "phone"),
        ({**HOME, "line2": None}, "validation-error", "line2"),
        ({**HOME, "line2": "a\nb"}, "validation-error", "line2"),
        ({**HOME, "zip": "560001"}, "validation-error", "zip"),
    ],
)
async def test_every_bad_input_is_422_naming_its_field_and_writes_nothing(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    shop: Shop,
    body: dict[str, Any],
    problem: str,
    field: str,
) -> None:
    order_id, fan = await bought(client, clock, sign_up, create_sale, pay=False)
    answer = await client.put(addressing(order_id), headers=fan, json=body)
    assert_problem(answer, 422, problem)
    found = answer.json()
    if problem == "validation-error":
        assert [error["loc"][0] for error in found["errors"]] == [field], found
    else:
        assert found["detail"].startswith(f"{field}: "), found
    assert await shop.shipping.address_of(order_id) is None


async def test_a_body_that_is_no_json_object_is_refused_before_anything(
    client: httpx.AsyncClient, clock: ManualClock, sign_up: SignUp, create_sale: CreateSale
) -> None:
    order_id, fan = await bought(client, clock, sign_up, create_sale, pay=False)
    for content in (b"", b"{", b"[]"):
        answer = await client.put(
            addressing(order_id),
            headers={**fan, "Content-Type": "application/json"},
            content=content,
        )
        assert_problem(answer, 400, "malformed-json")
