"""Countries and regions of a shipping address: ISO 3166-1 and ISO 3166-2, refused by name."""

from __future__ import annotations

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain import regions
from flashsale.orders.domain.shipping import ShippingAddress

TYPED = {
    "recipient": "Asha Rao",
    "line1": "12 MG Road",
    "city": "Bengaluru",
    "postal_code": "560001",
    "phone": "+91 80 1234 5678",
}


@pytest.mark.parametrize(("given", "stored"), [("IN", "IN"), ("in", "IN"), (" cn ", "CN")])
def test_a_country_is_an_iso_3166_1_code_in_either_case(given: str, stored: str) -> None:
    assert regions.country_code(given) == stored


@pytest.mark.parametrize("given", ["ZZ", "IND", "India", "I", "1N", "XK"])
def test_what_is_no_country_is_refused_by_name(given: str) -> None:
    with pytest.raises(InvalidInput, match=r"^country: .* is not an ISO 3166-1 country code"):
        regions.country_code(given)


def test_a_missing_country_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match=r"^country: the shipping address needs a country"):
        regions.country_code("  ")


@pytest.mark.parametrize(
    ("country", "given", "stored"),
    [("IN", "IN-KA", "IN-KA"), ("IN", "in-ka", "IN-KA"), ("CN", "CN-GD", "CN-GD")],
)
def test_a_region_is_one_of_its_countrys_iso_3166_2_codes(
    country: str, given: str, stored: str
) -> None:
    assert regions.region_code(country, given) == stored


@pytest.mark.parametrize(
    ("country", "given", "refusal"),
    [
        ("IN", "CN-GD", r"'CN-GD' is not one of India's ISO 3166-2 regions, such as IN-"),
        ("CN", "IN-KA", r"'IN-KA' is not one of China's"),
        ("IN", "KA", r"'KA' is not one of India's"),
        ("IN", "Karnataka", r"'KARNATAKA' is not one of India's"),
        ("IN", "IN-ZZ", r"'IN-ZZ' is not one of India's"),
    ],
)
def test_another_countrys_region_or_no_region_at_all_is_refused(
    country: str, given: str, refusal: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"^region: {refusal}"):
        regions.region_code(country, given)


@pytest.mark.parametrize("given", [None, "", "  "])
def test_a_country_with_regions_needs_one(given: str | None) -> None:
    with pytest.raises(InvalidInput, match=r"^region: an address in India needs its region"):
        regions.region_code("IN", given)


def test_a_country_without_regions_takes_none() -> None:
    assert regions.regions_of("AW") == ()
    assert regions.region_code("AW", None) is None
    assert regions.region_code("AW", "") is None
    with pytest.raises(InvalidInput, match=r"^region: Aruba has no ISO 3166-2 regions"):
        regions.region_code("AW", "AW-01")


def test_regions_are_listed_by_name_with_their_kind() -> None:
    india = regions.regions_of("IN")
    karnataka = next(r for r in india if r.code == "IN-KA")
    assert (karnataka.name, karnataka.kind) == ("Karnātaka", "State")
    names = [r.name for r in india]
    assert len(names) == 36 and names[0].startswith("Andaman")
    # Accents do not send a name to the end: Ágion Óros is among the A's.
    assert regions.regions_of("GR")[0].code == "GR-69"
    assert regions.regions_of("ZZ") == ()


def test_countries_are_listed_by_name() -> None:
    listed = dict(regions.countries())
    assert listed["IN"] == "India" and len(listed) == 249
    names = [name for _, name in regions.countries()]
    assert names.index("Åland Islands") < names.index("Albania")


def test_an_address_from_a_form_carries_its_codes_upper_cased() -> None:
    address = ShippingAddress.of({**TYPED, "country": " in ", "region": "in-ka "})
    assert (address.country, address.region) == ("IN", "IN-KA")
    address.check_new()
    assert address.lines()[-2:] == ["Karnātaka, India", "+91 80 1234 5678"]


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({}, r"^country: the shipping address needs a country"),
        ({"country": "ZZ", "region": "ZZ-1"}, r"^country: 'ZZ' is not"),
        ({"country": "IN"}, r"^region: an address in India needs its region"),
        ({"country": "IN", "region": "CN-GD"}, r"^region: 'CN-GD' is not one of India's"),
    ],
)
def test_an_address_from_a_form_is_refused_naming_the_field(
    fields: dict[str, str], refusal: str
) -> None:
    with pytest.raises(InvalidInput, match=refusal):
        ShippingAddress.of({**TYPED, **fields})


def test_an_address_stored_before_countries_were_asked_still_loads_but_is_not_given_anew() -> None:
    stored = ShippingAddress(**TYPED)
    assert (stored.country, stored.region) == (None, None)
    assert stored.lines()[-2:] == ["560001 Bengaluru", "+91 80 1234 5678"]
    with pytest.raises(InvalidInput, match=r"^country: the shipping address needs a country"):
        stored.check_new()


@pytest.mark.parametrize(
    ("country", "region", "refusal"),
    [
        ("in", "IN-KA", r"^country: give IN, in upper case"),
        ("IN", "in-ka", r"^region: give IN-KA, in upper case"),
        ("IN", "CN-GD", r"^region: 'CN-GD' is not one of India's"),
        ("AW", "", r"^region: give none"),
    ],
)
def test_an_address_built_by_hand_must_be_as_it_is_stored(
    country: str, region: str, refusal: str
) -> None:
    address = ShippingAddress(**TYPED, country=country, region=region)
    with pytest.raises(InvalidInput, match=refusal):
        address.check_new()
