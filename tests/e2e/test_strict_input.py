"""Strict input: numbers are JSON numbers, amounts decimal strings no finer than the currency's
minor unit, names hold something and everything is bounded. Each refusal is a 422 problem that
names the field, on every record (memory, SQLite, PostgreSQL), and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.catalog.model import (
    MAX_ATTRIBUTE_NAME_LENGTH,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_NAME_LENGTH,
)
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import InvalidInput
from flashsale.web.forms import whole_number
from tests.e2e.conftest import ADMIN, T0, sale_body
from tests.e2e.test_bad_input import assert_problem, postgres_url, shop
from tests.e2e.test_web_pages import console_log_in, form_post

# The shop fixture of test_bad_input.py: every test runs on memory, SQLite and PostgreSQL.
__all__ = ["postgres_url", "shop"]

SignUp = Callable[[str], Awaitable[dict[str, str]]]
CreateSale = Callable[..., Awaitable[dict[str, Any]]]
PRODUCTS = "/api/v1/admin/products"
SALES = "/api/v1/admin/sales"


def product(**variant: Any) -> dict[str, Any]:
    """A one-variant product body; ``variant`` overrides the SKU, attributes or prices."""
    return {
        "name": "Mi Band 3",
        "variants": [
            {"sku": "MIBAND3", "attributes": {"colour": "black"}, "prices": {"IN": "1999"}}
            | variant
        ],
    }


def assert_invalid_field(response: httpx.Response, loc: list[object]) -> None:
    """A validation-error problem whose every error is at ``loc``."""
    assert_problem(response, 422, "validation-error")
    errors = response.json()["errors"]
    assert errors and all(e["loc"][: len(loc)] == loc for e in errors), errors


async def assert_no_product(client: httpx.AsyncClient) -> None:
    products = (await client.get("/api/v1/products")).json()["products"]
    assert all(p["name"] != "Mi Band 3" for p in products), products


# -- numbers are JSON numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stock", True),
        ("stock", "10"),
        ("stock", 10.0),
        ("stock", "1_000"),
        ("per_customer_limit", True),
        ("per_customer_limit", "1"),
        ("payment_window_seconds", True),
        ("payment_window_seconds", "60"),
        ("opens_at", 1431405000),  # a time is ISO 8601 text, not a Unix timestamp
        ("closes_at", True),
    ],
)
async def test_a_sales_numbers_are_json_numbers(
    client: httpx.AsyncClient, create_sale: CreateSale, field: str, value: object
) -> None:
    await create_sale()
    response = await client.post(SALES, headers=ADMIN, json=sale_body(**{field: value}))
    assert_invalid_field(response, [field])
    assert len((await client.get("/api/v1/sales")).json()["sales"]) == 1


async def test_a_payment_window_may_have_a_fraction(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    sale = await create_sale(payment_window_seconds=90.5)
    assert sale["payment_window_seconds"] == 90.5


@pytest.mark.parametrize(
    "edit", [{"stock": "5"}, {"stock": True}, {"per_customer_limit": False}, {"stock": 5.0}]
)
async def test_an_edits_numbers_are_json_numbers(
    client: httpx.AsyncClient, create_sale: CreateSale, edit: dict[str, Any]
) -> None:
    sale = await create_sale()
    response = await client.patch(f"{SALES}/{sale['id']}", headers=ADMIN, json=edit)
    assert_invalid_field(response, list(edit))
    after = (await client.get(f"/api/v1/sales/{sale['id']}")).json()
    assert (after["stock_total"], after["per_customer_limit"]) == (10, 1)


@pytest.mark.parametrize("quantity", [True, "1", "2", 1.0])
async def test_a_purchase_quantity_is_a_json_integer(
    client: httpx.AsyncClient,
    clock: ManualClock,
    sign_up: SignUp,
    create_sale: CreateSale,
    quantity: object,
) -> None:
    sale = await create_sale(stock=3, per_customer_limit=2)
    fan = await sign_up("fan@example.com")
    await client.post(f"/api/v1/sales/{sale['id']}/registrations", headers=fan)
    clock.set(T0 + timedelta(hours=2))
    response = await client.post(
        f"/api/v1/sales/{sale['id']}/purchases", headers=fan, json={"quantity": quantity}
    )
    assert_invalid_field(response, ["quantity"])
    assert (await client.get(f"/api/v1/sales/{sale['id']}")).json()["stock_left"] == 3


# -- amounts ---------------------------------------------------------------------------------

NOT_AMOUNTS = [
    999,
    999.0,
    True,
    "1E-30",
    "1e3",
    "1_000",
    " 999",
    "999 ",
    "+999",
    "-1",
    "999.",
    ".5",
    "NaN",
    "Infinity",
    "\u0663",
    "1,999",
    "1.00000",
]


@pytest.mark.parametrize("amount", NOT_AMOUNTS)
async def test_a_product_price_is_a_plain_decimal_string(
    client: httpx.AsyncClient, amount: object
) -> None:
    response = await client.post(PRODUCTS, headers=ADMIN, json=product(prices={"IN": amount}))
    assert_invalid_field(response, ["variants", 0, "prices", "IN"])
    await assert_no_product(client)


@pytest.mark.parametrize("amount", NOT_AMOUNTS)
async def test_a_sale_price_is_a_plain_decimal_string(
    client: httpx.AsyncClient, create_sale: CreateSale, amount: object
) -> None:
    sale = await create_sale()
    response = await client.post(SALES, headers=ADMIN, json=sale_body(price=amount))
    assert_invalid_field(response, ["price"])
    edit = await client.patch(f"{SALES}/{sale['id']}", headers=ADMIN, json={"price": amount})
    assert_invalid_field(edit, ["price"])


@pytest.mark.parametrize(
    ("prices", "detail"),
    [
        ({"IN": "1999.001"}, "MIBAND3: prices: IN: '1999.001' has 3 decimal places; INR"),
        ({"IN": "0.0001"}, "IN: '0.0001' has 4 decimal places; INR amounts have at most 2"),
        ({"IN": "1999", "US": "18.001"}, "US: '18.001' has 3 decimal places; USD"),
    ],
)
async def test_a_product_price_finer_than_its_currency_is_422(
    client: httpx.AsyncClient, prices: dict[str, str], detail: str
) -> None:
    response = await client.post(PRODUCTS, headers=ADMIN, json=product(prices=prices))
    assert_problem(response, 422, "invalid-input")
    assert detail in response.json()["detail"]
    await assert_no_product(client)


async def test_a_sale_price_finer_than_its_currency_is_422(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    created = await client.post(SALES, headers=ADMIN, json=sale_body(price="899.999"))
    assert_problem(created, 422, "invalid-input")
    assert created.json()["detail"].startswith("price: '899.999' has 3 decimal places; INR")
    edited = await client.patch(f"{SALES}/{sale['id']}", headers=ADMIN, json={"price": "0.001"})
    assert_problem(edited, 422, "invalid-input")
    assert edited.json()["detail"].startswith("price: '0.001'")
    after = (await client.get(f"/api/v1/sales/{sale['id']}")).json()
    assert after["price"] == "999.00"
    fine = await client.patch(f"{SALES}/{sale['id']}", headers=ADMIN, json={"price": "899.5"})
    assert fine.status_code == 200 and fine.json()["price"] == "899.5", fine.text


async def test_a_yen_price_has_no_fraction(client: httpx.AsyncClient) -> None:
    japan = {"code": "jp", "name": " Japan ", "currency": "jpy", "locale": "ja_JP"}
    added = await client.post("/api/v1/admin/markets", headers=ADMIN, json=japan)
    assert added.status_code == 201, added.text
    assert added.json() == {
        "code": "JP",
        "name": "Japan",
        "currency": "JPY",
        "locale": "ja_JP",
        "timezone": "UTC",  # none given
    }
    for amount in ("1999.5", "1999.00"):
        response = await client.post(PRODUCTS, headers=ADMIN, json=product(prices={"JP": amount}))
        assert_problem(response, 422, "invalid-input")
        assert "JPY amounts have at most 0" in response.json()["detail"]
    created = await client.post(PRODUCTS, headers=ADMIN, json=product(prices={"jp": "1999"}))
    assert created.status_code == 201, created.text
    assert created.json()["variants"][0]["prices"] == {"JP": {"amount": "1999", "currency": "JPY"}}


# -- names, attributes, prices -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n ", "x" * (MAX_NAME_LENGTH + 1)])
async def test_a_product_name_holds_something_and_is_bounded(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.post(PRODUCTS, headers=ADMIN, json=product() | {"name": name})
    assert_invalid_field(response, ["name"])


async def test_names_and_attributes_are_trimmed(client: httpx.AsyncClient) -> None:
    body = product(attributes={" colour ": " deep blue "}) | {"name": "  Mi Band 3 "}
    created = await client.post(PRODUCTS, headers=ADMIN, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Mi Band 3"
    assert created.json()["variants"][0]["attributes"] == {"colour": "deep blue"}


@pytest.mark.parametrize(
    ("attributes", "loc"),
    [
        ({f"a{i}": "x" for i in range(MAX_ATTRIBUTES + 1)}, ["attributes"]),
        ({"k" * (MAX_ATTRIBUTE_NAME_LENGTH + 1): "x"}, ["attributes"]),
        ({"colour": "x" * (MAX_ATTRIBUTE_VALUE_LENGTH + 1)}, ["attributes", "colour"]),
        ({"": "black"}, ["attributes"]),
        ({"   ": "black"}, ["attributes"]),
        ({"colour": "  "}, ["attributes", "colour"]),
        ({"colour": "black", "colour ": "blue"}, ["attributes"]),
        ({"colour": 1}, ["attributes", "colour"]),
    ],
)
async def test_attributes_are_bounded(
    client: httpx.AsyncClient, attributes: dict[str, Any], loc: list[object]
) -> None:
    response = await client.post(PRODUCTS, headers=ADMIN, json=product(attributes=attributes))
    assert_invalid_field(response, ["variants", 0, *loc])
    await assert_no_product(client)


async def test_the_most_attributes_of_the_longest_are_accepted(client: httpx.AsyncClient) -> None:
    attributes = {
        f"{i:02d}" + "k" * (MAX_ATTRIBUTE_NAME_LENGTH - 2): "v" * MAX_ATTRIBUTE_VALUE_LENGTH
        for i in range(MAX_ATTRIBUTES)
    }
    response = await client.post(PRODUCTS, headers=ADMIN, json=product(attributes=attributes))
    assert response.status_code == 201, response.text
    assert response.json()["variants"][0]["attributes"] == attributes


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "Mi Band 3", "variants": []}, ["variants"]),
        ({"name": "Mi Band 3"}, ["variants"]),
        (product(prices={}), ["variants", 0, "prices"]),
        (product(prices=None), ["variants", 0, "prices"]),
        (product(prices={"in": "1999", "IN": "1999"}), ["variants", 0, "prices"]),
        (product(prices={"IND": "1999"}), ["variants", 0, "prices", "IND"]),
        (product(sku="has space"), ["variants", 0, "sku"]),
    ],
)
async def test_a_product_sells_variants_with_a_price_each(
    client: httpx.AsyncClient, body: dict[str, Any], loc: list[object]
) -> None:
    response = await client.post(PRODUCTS, headers=ADMIN, json=body)
    assert_invalid_field(response, loc)
    await assert_no_product(client)


async def test_market_codes_are_upper_cased(client: httpx.AsyncClient) -> None:
    created = await client.post(
        PRODUCTS, headers=ADMIN, json=product(prices={"in": "1999", "Us": "25.50"})
    )
    assert created.status_code == 201, created.text
    assert set(created.json()["variants"][0]["prices"]) == {"IN", "US"}


@pytest.mark.parametrize(
    ("market", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"code": "J"}, "code"),
        ({"code": "J1"}, "code"),
        ({"currency": "JP"}, "currency"),
        ({"locale": "ja JP"}, "locale"),
        ({"locale": ""}, "locale"),
    ],
)
async def test_a_market_is_strict_too(
    client: httpx.AsyncClient, market: dict[str, str], field: str
) -> None:
    body = {"code": "JP", "name": "Japan", "currency": "JPY", "locale": "ja_JP"} | market
    response = await client.post("/api/v1/admin/markets", headers=ADMIN, json=body)
    assert_invalid_field(response, [field])
    markets = (await client.get("/api/v1/markets")).json()["markets"]
    assert "JP" not in {m["code"] for m in markets}


# -- the console goes through the same services ----------------------------------------------


async def test_the_console_refuses_what_the_api_refuses(
    client: httpx.AsyncClient, shop: Shop, create_sale: CreateSale
) -> None:
    await console_log_in(client)
    page = "/console/products"
    base = {"name": "Mi Band 3", "sku": "MIBAND3", "attributes": "colour=black"}
    for form, says in [
        ({"price_IN": "1999.001"}, "has 3 decimal places; INR"),
        ({"price_IN": "1_999"}, "is not a decimal string"),
        ({"price_IN": "1E3"}, "is not a decimal string"),
        ({"price_IN": ""}, "give a price in at least one market"),
        ({"name": "   ", "price_IN": "1999"}, "name"),
        ({"attributes": "k=" + "v" * (MAX_ATTRIBUTE_VALUE_LENGTH + 1), "price_IN": "1"}, "at most"),
    ]:
        refused = await form_post(client, page, page, base | form)
        assert refused.status_code == 422 and says in refused.text, (form, refused.text)
    assert await shop.catalog.variant("MIBAND3") is None

    sale = await create_sale()
    edit = f"/console/sales/{sale['id']}/edit"
    terms = {
        "price": "899.005",
        "stock": "3",
        "per_customer_limit": "1",
        "payment_window_seconds": "300",
        "registration_opens_at": "2015-05-12T03:00:00",
        "registration_closes_at": "2015-05-12T04:00:00",
        "opens_at": "2015-05-12T05:00:00",
        "closes_at": "2015-05-12T06:00:00",
    }
    refused = await form_post(client, edit, edit, terms)
    assert refused.status_code == 422 and "has 3 decimal places; INR" in refused.text
    stored = await shop.store.sale(sale["id"])
    assert stored is not None and str(stored.price.amount) == "999.00"


@pytest.mark.parametrize("typed", ["1_000", "+5", "-5", "\u0663", "5.0", "", "1e3", "9" * 13])
def test_a_forms_whole_number_is_ascii_digits(typed: str) -> None:
    with pytest.raises(InvalidInput, match="whole number"):
        whole_number(typed, "stock")


def test_a_forms_whole_number_may_be_padded() -> None:
    assert whole_number(" 1000 ", "stock") == 1000


# -- the document says so --------------------------------------------------------------------


async def test_the_openapi_document_shows_the_constraints(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    variant = schemas["VariantIn"]["properties"]
    assert variant["prices"]["minProperties"] == 1
    assert variant["prices"]["propertyNames"] == {"pattern": "^[A-Za-z]{2}$"}
    amount = variant["prices"]["additionalProperties"]
    assert amount["type"] == "string" and amount["pattern"] == r"^[0-9]{1,13}(\.[0-9]{1,4})?$"
    assert variant["attributes"]["maxProperties"] == MAX_ATTRIBUTES
    assert variant["attributes"]["propertyNames"]["maxLength"] == MAX_ATTRIBUTE_NAME_LENGTH
    assert variant["attributes"]["additionalProperties"]["maxLength"] == (
        MAX_ATTRIBUTE_VALUE_LENGTH
    )
    assert "pattern" in variant["sku"]
    name = schemas["ProductIn"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, MAX_NAME_LENGTH)
    assert schemas["ProductIn"]["properties"]["variants"]["minItems"] == 1
    sale = schemas["SaleIn"]["properties"]
    assert sale["stock"]["type"] == "integer"
    assert sale["price"]["anyOf"][0]["pattern"] == amount["pattern"]
    assert sale["market"]["pattern"] == "^[A-Za-z]{2}$"
    assert schemas["PurchaseIn"]["properties"]["quantity"]["type"] == "integer"
    assert schemas["MarketIn"]["properties"]["locale"]["pattern"]
