"""Markets, products and variants, and the customer rules sign-up relies on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flashsale.catalog.market import Market
from flashsale.catalog.model import MAX_VARIANTS, Product, Variant
from flashsale.customers.model import MIN_PASSWORD_LENGTH, check_password_strength, normalize_email
from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money


def test_market_with_iso_codes_is_accepted() -> None:
    market = Market(code="IN", name="India", currency="INR", locale="en_IN")
    assert (market.code, market.currency) == ("IN", "INR")


@pytest.mark.parametrize("code", ["in", "IND", "I", "", "1N"])
def test_market_needs_an_iso_3166_country_code(code: str) -> None:
    with pytest.raises(InvalidInput, match="ISO 3166"):
        Market(code=code, name="India", currency="INR", locale="en_IN")


@pytest.mark.parametrize("currency", ["inr", "RS", "RUPEE", ""])
def test_market_needs_an_iso_4217_currency(currency: str) -> None:
    with pytest.raises(InvalidInput, match="ISO 4217"):
        Market(code="IN", name="India", currency=currency, locale="en_IN")


@pytest.mark.parametrize("sku", ["MIBAND4-BLK", "a", "x.y_z-1", "A" * 64])
def test_variant_accepts_sku_shapes(sku: str) -> None:
    assert Variant(sku=sku, product_id="prod_1").sku == sku


@pytest.mark.parametrize("sku", ["", "-lead", ".lead", "has space", "A" * 65, "ü", "a/b"])
def test_variant_refuses_what_is_not_a_sku(sku: str) -> None:
    with pytest.raises(InvalidInput, match="not a SKU"):
        Variant(sku=sku, product_id="prod_1")


def test_variant_price_is_per_market() -> None:
    rupees = Money(Decimal("999"), "INR")
    variant = Variant(sku="MIBAND4", product_id="prod_1", prices={"IN": rupees})
    assert variant.price_in("IN") == rupees
    assert variant.price_in("ES") is None


def test_product_needs_a_name() -> None:
    with pytest.raises(InvalidInput, match="name"):
        Product(id="prod_1", name="   ", variants=(Variant("A", "prod_1"),))


def test_product_needs_a_variant() -> None:
    with pytest.raises(InvalidInput, match="variant"):
        Product(id="prod_1", name="Mi Band 4", variants=())


def test_product_variants_need_distinct_skus() -> None:
    with pytest.raises(InvalidInput, match="distinct"):
        Product(id="prod_1", name="Mi Band 4", variants=(Variant("A", "p"), Variant("A", "p")))


@pytest.mark.parametrize(
    ("given_email", "normalized"),
    [
        ("fan@mi.com", "fan@mi.com"),
        ("Fan@Mi.COM", "fan@mi.com"),
        ("  FAN@mi.com\t", "fan@mi.com"),
    ],
)
def test_normalize_email_folds_case_and_trims(given_email: str, normalized: str) -> None:
    assert normalize_email(given_email) == normalized


@pytest.mark.parametrize(
    "bad",
    ["", "fan", "fan@", "@mi.com", "fan@mi", "fan@@mi.com", "f an@mi.com", "a" * 65 + "@mi.com"],
)
def test_normalize_email_refuses_what_is_not_an_address(bad: str) -> None:
    with pytest.raises(InvalidInput, match="not an email"):
        normalize_email(bad)


def test_normalize_email_refuses_addresses_over_254_characters() -> None:
    long_domain = "d" * 250 + ".com"
    with pytest.raises(InvalidInput):
        normalize_email("fan@" + long_domain)


@given(
    local=st.from_regex(r"[a-zA-Z0-9._+-]{1,20}", fullmatch=True),
    domain=st.from_regex(r"[a-zA-Z0-9-]{1,20}\.[a-zA-Z]{2,6}", fullmatch=True),
)
def test_emails_differing_in_case_normalize_to_one(local: str, domain: str) -> None:
    email = f"{local}@{domain}"
    assert normalize_email(email.upper()) == normalize_email(email.lower()) == email.lower()


def test_password_of_the_minimum_length_is_accepted() -> None:
    check_password_strength("x" * MIN_PASSWORD_LENGTH)
    check_password_strength("x" * 1024)


@pytest.mark.parametrize("password", ["", "x" * (MIN_PASSWORD_LENGTH - 1), "x" * 1025])
def test_password_outside_the_bounds_is_refused(password: str) -> None:
    with pytest.raises(InvalidInput, match="password"):
        check_password_strength(password)


def test_a_variant_without_a_price_loads_but_is_not_added() -> None:
    # Stored before the rule, it must still load; a new one is refused.
    variant = Variant(sku="MIBAND4", product_id="prod_1")
    with pytest.raises(InvalidInput, match="MIBAND4: prices: give a price"):
        variant.check_new()


def test_a_padded_attribute_is_refused_by_the_model() -> None:
    variant = Variant("A", "prod_1", {"colour ": "black"}, {"IN": Money(Decimal("1"), "INR")})
    with pytest.raises(InvalidInput, match="starts or ends with spaces"):
        variant.check_new()


def test_a_product_of_too_many_variants_is_refused() -> None:
    price = {"IN": Money(Decimal("1"), "INR")}
    variants = tuple(Variant(f"V{i}", "prod_1", prices=price) for i in range(MAX_VARIANTS + 1))
    with pytest.raises(InvalidInput, match=f"variants: at most {MAX_VARIANTS}"):
        Product("prod_1", "Mi Band 4", variants).check_new()
    Product("prod_1", "Mi Band 4", variants[:MAX_VARIANTS]).check_new()


def test_a_padded_product_name_is_refused_by_the_model() -> None:
    price = {"IN": Money(Decimal("1"), "INR")}
    with pytest.raises(InvalidInput, match="name: ' Mi Band 4' starts or ends"):
        Product("prod_1", " Mi Band 4", (Variant("A", "prod_1", prices=price),)).check_new()


@pytest.mark.parametrize("locale", ["en_IN", "en", "zh_Hans_CN", "ja_JP"])
def test_a_market_with_a_locale_shape_is_accepted(locale: str) -> None:
    Market("IN", "India", "INR", locale).check_new()


@pytest.mark.parametrize("locale", ["", "e", "en IN", "en_", "en_IN\n", "x" * 21])
def test_a_market_needs_a_locale_identifier(locale: str) -> None:
    with pytest.raises(InvalidInput, match="locale"):
        Market("IN", "India", "INR", locale).check_new()
