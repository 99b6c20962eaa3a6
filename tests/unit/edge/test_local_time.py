"""Times on the pages: in the market's zone, written for its locale, the zone named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flashsale.catalog.market import Market
from flashsale.web.moments import local_time, relative_time, zone_name

OPENING = datetime(2015, 5, 12, 4, 30, tzinfo=UTC)  # the Mi Band sale in India
INDIA = Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")


def plain(shown: str) -> str:
    """CLDR spaces AM/PM off with a narrow no-break space; compared as a plain one."""
    return shown.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize(
    ("market", "shown"),
    [
        (INDIA, "12 May 2015, 10:00:00 AM IST"),
        (Market("US", "United States", "USD", "en_US", "America/New_York"), "12:30:00 AM EDT"),
        (Market("GR", "Greece", "EUR", "el_GR", "Europe/Athens"), "7:30:00 π.μ. EEST"),
        (Market("ID", "Indonesia", "IDR", "id_ID", "Asia/Jakarta"), "11.30.00 WIB"),
        # No short name in the locale: the offset, never a bare +0800.
        (Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai"), "12:30:00 GMT+08:00"),
        (Market("RU", "Russia", "RUB", "ru_RU", "Europe/Moscow"), "07:30:00 GMT+03:00"),
        (Market("IN", "India", "INR", "en_IN"), "12 May 2015, 4:30:00 AM UTC"),
    ],
)
def test_a_moment_is_shown_in_the_markets_zone_and_locale(market: Market, shown: str) -> None:
    assert plain(local_time(OPENING, market)).endswith(shown)


def test_a_zone_may_be_named_without_a_market() -> None:
    assert plain(local_time(OPENING, "Asia/Kolkata")) == "May 12, 2015, 10:00:00 AM GMT+05:30"
    assert plain(local_time(OPENING, None)) == "May 12, 2015, 4:30:00 AM UTC"
    assert local_time(None, INDIA) == ""


def test_a_zone_or_locale_unknown_here_is_shown_in_utc_rather_than_not_at_all() -> None:
    stored = Market("IN", "India", "INR", "xx_YY", "Asia/Atlantis")
    assert plain(local_time(OPENING, stored)) == "May 12, 2015, 4:30:00 AM UTC"


def test_a_moment_its_zone_would_carry_past_year_9999_is_shown_in_utc() -> None:
    last = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert plain(local_time(last, INDIA)) == "31 Dec 9999, 11:00:00 PM UTC"


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (datetime(2015, 5, 12, 11, 13, tzinfo=UTC), "today at 4:43 PM IST"),
        (datetime(2015, 5, 13, 6, 30, tzinfo=UTC), "tomorrow at 12:00 PM IST"),
        (datetime(2015, 5, 11, 18, 0, tzinfo=UTC), "yesterday at 11:30 PM IST"),
        (datetime(2015, 5, 15, 4, 30, tzinfo=UTC), "Fri, 15 May at 10:00 AM IST"),
        (datetime(2015, 6, 1, 4, 30, tzinfo=UTC), "1 Jun 2015 at 10:00 AM IST"),
        # Past midnight in India is tomorrow there, though still today in UTC.
        (datetime(2015, 5, 12, 19, 0, tzinfo=UTC), "tomorrow at 12:30 AM IST"),
    ],
)
def test_a_moment_is_said_from_today_in_the_markets_zone(moment: datetime, said: str) -> None:
    assert plain(relative_time(moment, INDIA, OPENING)) == said


def test_the_zone_is_named_as_a_sentence_names_it() -> None:
    assert zone_name(INDIA) == "India Time (Asia/Kolkata)"
    assert zone_name(Market("IN", "India", "INR", "en_IN")) == "UTC"
