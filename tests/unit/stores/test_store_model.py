"""The stores' pure model: opening hours, sale lines, prices and tender, returns, tokens and
receipts."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money
from flashsale.stores.domain.receipt import receipt_text
from flashsale.stores.domain.returns import returnable
from flashsale.stores.domain.sale import (
    PosSale,
    SaleLine,
    TenderMethod,
    card_tender,
    cash_tender,
    fingerprint,
    priced,
    requested_lines,
)
from flashsale.stores.domain.store import DayHours, StoreProfile, parse_week, week_of, week_rows
from flashsale.stores.domain.till import new_till, token_hash
from flashsale.stores.errors import CashShort, NotSoldHere, ReturnExceedsSale

T0 = datetime(2017, 5, 20, 4, 30, tzinfo=UTC)  # 10:00 in Bengaluru, the Mi Home's first day
KOLKATA = ZoneInfo("Asia/Kolkata")
BAND = Money(Decimal("999.00"), "INR")


def test_a_week_is_parsed_checked_and_stored_round_trip() -> None:
    week = parse_week({"mon": "10:00-21:00", "sat": "10:00-24:00", "sun": "closed"})
    assert week[0] == DayHours(time(10), time(21)) and week[1] is None and week[6] is None
    profile = StoreProfile("MH-BLR", week)
    profile.check_new()
    assert profile.hours_by_day()["mon"] == "10:00-21:00"
    assert week_of(week_rows(week)) == week
    with pytest.raises(InvalidInput, match="not a weekday"):
        parse_week({"funday": "10:00-11:00"})
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_week({"mon": "10-21"})
    with pytest.raises(InvalidInput, match="after 24:00"):
        parse_week({"mon": "10:00-24:30"})
    with pytest.raises(InvalidInput, match="closes before"):
        StoreProfile("MH-BLR", parse_week({"mon": "21:00-10:00"})).check_new()
    with pytest.raises(InvalidInput, match="pickup_days"):
        StoreProfile("MH-BLR", week, pickup_days=0).check_new()


def test_a_store_is_open_in_its_local_hours() -> None:
    profile = StoreProfile("MH-BLR", parse_week({"sat": "10:00-21:00"}))
    saturday = datetime(2017, 5, 20, 10, 0, tzinfo=KOLKATA)  # a Saturday
    assert profile.is_open(saturday)
    assert not profile.is_open(saturday.replace(hour=9, minute=59))
    assert not profile.is_open(saturday.replace(hour=21))
    assert not profile.is_open(datetime(2017, 5, 21, 12, 0, tzinfo=KOLKATA))  # Sunday: closed


def test_lines_add_up_per_sku_and_refuse_nothing_or_less() -> None:
    assert requested_lines([("A", 1), ("B", 2), ("A", 3)]) == [("A", 4), ("B", 2)]
    for bad in ([], [("A", 0)], [("A", -1)], [("A", 600), ("A", 600)]):
        with pytest.raises(InvalidInput):
            requested_lines(bad)


def test_prices_and_cash_give_the_total_and_the_change() -> None:
    lines, total = priced([("BAND", 2)], {"BAND": BAND}, "INR")
    assert total == Money(Decimal("1998.00"), "INR") and lines[0].total == total
    with pytest.raises(NotSoldHere, match="NOPE"):
        priced([("BAND", 1), ("NOPE", 1)], {"BAND": BAND}, "INR")
    with pytest.raises(NotSoldHere, match="currency"):
        priced([("BAND", 1)], {"BAND": Money(Decimal("18"), "USD")}, "INR")
    tender = cash_tender(total, Decimal("2000.00"))
    assert tender.change == Money(Decimal("2.00"), "INR")
    assert cash_tender(total, None).change.amount == 0
    with pytest.raises(CashShort):
        cash_tender(total, Decimal("1997.99"))
    with pytest.raises(InvalidInput, match="minor unit"):
        cash_tender(total, Decimal("2000.001"))
    card = card_tender(total, "ch_1", "4242 4242 4242 4242")
    assert (card.method, card.card_last4, card.change.amount) == (
        TenderMethod.CARD,
        "4242",
        Decimal(0),
    )


def test_a_fingerprint_tells_requests_apart() -> None:
    one = fingerprint([("A", 1)], TenderMethod.CASH, Decimal("10"), None, None)
    assert one == fingerprint([("A", 1)], TenderMethod.CASH, Decimal("10"), None, None)
    assert one != fingerprint([("A", 2)], TenderMethod.CASH, Decimal("10"), None, None)
    assert one != fingerprint([("A", 1)], TenderMethod.CASH, Decimal("20"), None, None)


def sale(quantity: int = 2, returned: int = 0) -> PosSale:
    total = BAND.times(quantity)
    return PosSale(
        "pos_1", "MH-BLR", "till_1", "stf_1", (SaleLine("BAND", quantity, BAND, returned),), total,
        cash_tender(total, Decimal("2000.00")), T0, "k", "f", number=7,
    )  # fmt: skip


def test_a_return_never_passes_what_is_left_to_return() -> None:
    lines, refund = returnable(sale(2, returned=1), [("BAND", 1)])
    assert lines == (("BAND", 1),) and refund == BAND
    with pytest.raises(ReturnExceedsSale, match="sold 2 of BAND and 1 came back") as refused:
        returnable(sale(2, returned=1), [("BAND", 2)])
    assert refused.value.extra == {"sku": "BAND", "sold": 2, "returned_before": 1, "asked": 2}
    with pytest.raises(ReturnExceedsSale, match="sold no"):
        returnable(sale(), [("OTHER", 1)])


def test_a_till_token_is_kept_only_as_its_hash() -> None:
    till, token = new_till("MH-BLR", " Till 1 ", T0)
    assert token.startswith("till_") and till.token_hash == token_hash(token)
    assert token not in repr(till) and till.name == "Till 1" and till.active
    with pytest.raises(InvalidInput):
        new_till("MH-BLR", " ", T0)


def test_a_receipt_reads_as_the_market_writes_money_and_time() -> None:
    sold = sale()
    assert sold.receipt_number == "MH-BLR-000007" and sold.reference == "pos:MH-BLR-000007"
    text = receipt_text(sold, "en_IN", "Asia/Kolkata")
    assert text.total == "₹1,998.00" and text.change == "₹2.00"
    assert text.local_time == "2017-05-20 10:00"
    greek = receipt_text(sold, "el_GR", "Europe/Athens")
    assert greek.local_time == "2017-05-20 07:30"
