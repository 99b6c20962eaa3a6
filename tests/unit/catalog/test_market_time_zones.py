"""A market's time zone: an IANA name, checked when the market is put, UTC when none is given."""

from __future__ import annotations

import pytest

from flashsale.catalog.market import DEFAULT_TIMEZONE, Market
from flashsale.kernel.errors import InvalidInput


def test_a_market_shows_its_times_in_utc_unless_told_otherwise() -> None:
    market = Market("IN", "India", "INR", "en_IN")
    assert market.timezone == DEFAULT_TIMEZONE == "UTC"
    market.check_new()


@pytest.mark.parametrize(
    "zone", ["Asia/Kolkata", "Asia/Shanghai", "Europe/Athens", "America/New_York", "UTC"]
)
def test_an_iana_zone_is_accepted(zone: str) -> None:
    Market("IN", "India", "INR", "en_IN", zone).check_new()


@pytest.mark.parametrize(
    ("zone", "refusal"),
    [
        ("Mars/Olympus_Mons", r"'Mars/Olympus_Mons' is not an IANA time zone, such as"),
        ("", r"'' is not an IANA time zone"),
        ("IST", r"'IST' is not an IANA time zone"),
        ("+05:30", r"'\+05:30' is not an IANA time zone"),
        ("asia/kolkata", r"'asia/kolkata' is not an IANA time zone; did you mean Asia/Kolkata\?"),
        ("localtime", r"'localtime' is not an IANA time zone"),  # the server's own setting
        ("../etc/passwd", r"'\.\./etc/passwd' is not an IANA time zone"),
        ("Asia", r"'Asia' is not an IANA time zone"),
    ],
)
def test_what_is_no_zone_is_refused_by_name(zone: str, refusal: str) -> None:
    with pytest.raises(InvalidInput, match=rf"^timezone: {refusal}"):
        Market("IN", "India", "INR", "en_IN", zone).check_new()


def test_a_market_stored_with_a_zone_unknown_here_still_loads() -> None:
    # Another server's zone database may know a zone this one does not.
    assert Market("IN", "India", "INR", "en_IN", "Asia/Atlantis").timezone == "Asia/Atlantis"
