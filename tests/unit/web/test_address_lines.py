"""Addresses laid out as their country writes them (web/address_lines.py)."""

from __future__ import annotations

import pytest

from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.web.address_lines import address_lines


def parcel(country: str | None, region: str | None, line2: str = "") -> ShippingAddress:
    return ShippingAddress(
        recipient="Asha Rao",
        line1="12 Main Road",
        line2=line2,
        city="Town",
        postal_code="12345",
        phone="+1 555",
        country=country,
        region=region,
    )


@pytest.mark.parametrize(
    ("country", "region", "expected"),
    [
        ("US", "US-CA", ["Asha Rao", "12 Main Road", "Town, CA 12345", "United States"]),
        ("IN", "IN-KA", ["Asha Rao", "12 Main Road", "Town 12345", "Karnātaka", "India"]),
        ("GR", "GR-I", ["Asha Rao", "12 Main Road", "12345 Town", "Attikí", "Greece"]),
        ("ID", "ID-BA", ["Asha Rao", "12 Main Road", "Town", "Bali 12345", "Indonesia"]),
        (
            "RU",
            "RU-MOW",
            ["Asha Rao", "12 Main Road", "Town", "Moskva", "12345", "Russian Federation"],
        ),
        # Biggest to smallest.
        ("CN", "CN-BJ", ["China", "12345", "Beijing Shi Town", "12 Main Road", "Asha Rao"]),
        # Any other country: the international order.
        ("FR", None, ["Asha Rao", "12 Main Road", "12345 Town", "France"]),
    ],
)
def test_each_seed_market_writes_its_own_order(
    country: str, region: str | None, expected: list[str]
) -> None:
    assert address_lines(parcel(country, region), "en_US") == [*expected, "+1 555"]


def test_the_country_is_named_in_the_pages_language_and_empty_parts_leave_no_trace() -> None:
    assert address_lines(parcel("GR", "GR-I", line2="Flat 2"), "el_GR")[2:6] == [
        "Flat 2",
        "12345 Town",
        "Attikí",
        "Ελλάδα",
    ]
    # An address stored before countries were asked for: no region, no country, no commas.
    assert address_lines(parcel(None, None), "en_US") == [
        "Asha Rao",
        "12 Main Road",
        "12345 Town",
        "+1 555",
    ]
    assert address_lines(parcel("US", None), "en_US")[2] == "Town, 12345"
