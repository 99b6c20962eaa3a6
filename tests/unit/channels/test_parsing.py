"""Reading partners' reports: Amazon's flat file by its header's names, Flipkart's shipments
and the neutral JSON; each unreadable line named by its number, a file of which nothing can be
read refused whole."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from flashsale.channels.domain.parsing import FileContext, ImportFormat, Report, parse, read_report
from flashsale.channels.errors import UnreadableImport

INDIA = FileContext("IN", "INR")
AMAZON = ImportFormat.AMAZON_FLATFILE


def amazon(*rows: str, header: str | None = None) -> bytes:
    header = header or (
        "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency\titem-price"
        "\tship-state\tship-postal-code\tfulfillment-channel"
    )
    return ("\n".join([header, *rows]) + "\n").encode()


def test_amazon_lines_are_read_by_their_columns_names() -> None:
    data = amazon(
        "402-1\t11\t2017-09-20T09:30:00+05:30\tMIBAND2-BLK\t2\tINR\t1998.00\tKarnataka\t560001\tMerchant",
        "402-2\t21\t2017-09-20T04:01:00Z\tMIBAND2-BLK\t1\t\t\tNew Delhi\t110001\tAmazon",
        "",
    )  # fmt: skip
    first, second = parse(data, AMAZON, INDIA).lines
    assert first.line == 2 and first.key == ("402-1", "11")
    assert first.purchased_at == datetime(2017, 9, 20, 4, 0, tzinfo=UTC)
    assert (first.quantity, first.currency, first.amount) == (2, "INR", Decimal("1998.00"))
    assert (first.region, first.seller_fulfilled) == ("IN-KA", True)
    # No currency column value: the channel's; fulfilled by Amazon: not ours to ship.
    assert (second.currency, second.amount, second.seller_fulfilled) == ("INR", None, False)
    assert second.region is None  # "New Delhi" is no state's name: kept as no region


def test_columns_may_come_in_any_order_and_optional_ones_may_be_missing() -> None:
    header = "sku\tquantity-purchased\tpurchase-date\torder-item-id\torder-id"
    (line,) = parse(
        amazon("MIBAND2-BLK\t1\t2017-09-20T04:00:00+00:00\t7\t402-9", header=header), AMAZON, INDIA
    ).lines
    assert (line.order_id, line.line_id, line.currency, line.region) == ("402-9", "7", "INR", None)


def test_unreadable_amazon_lines_are_named_by_their_line_numbers() -> None:
    data = amazon(
        "402-1\t11\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t1\tINR\t999\tKA\t1\tMerchant",
        "402-2\t21\tyesterday\tMIBAND2-BLK\t1\tINR\t999\tKA\t1\tMerchant",
        "402-3\t31\t2017-09-20T04:00:00Z\tMIBAND2-BLK\tmany\tINR\t999\tKA\t1\tMerchant",
        "402-4\t41\t2017-09-20T04:00:00\tMIBAND2-BLK\t1\tINR\t999\tKA\t1\tMerchant",
        "402-5\t51",
        "402-6\t61\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t0\tINR\t999\tKA\t1\tMerchant",
    )
    parsed = parse(data, AMAZON, INDIA)
    assert [x.line for x in parsed.lines] == [2]
    assert [n for n, _ in parsed.problems] == [3, 4, 5, 6, 7]
    assert "no offset" in dict(parsed.problems)[5]
    assert "columns" in dict(parsed.problems)[6]


def test_a_file_with_nothing_readable_is_refused_with_its_line_numbers() -> None:
    with pytest.raises(UnreadableImport) as refused:
        parse(amazon("402-2\t21\tyesterday\tX\t1\tINR\t9\tKA\t1\tM"), AMAZON, INDIA)
    assert refused.value.problems[0][0] == 2
    with pytest.raises(UnreadableImport) as no_header:
        parse(b"order-id\tsku\n1\tX\n", AMAZON, INDIA)
    assert no_header.value.problems == [
        (1, "missing columns: order-item-id, purchase-date, quantity-purchased")
    ]
    with pytest.raises(UnreadableImport):
        parse(amazon(), AMAZON, INDIA)  # a header and no line
    with pytest.raises(UnreadableImport) as not_json:
        parse(b'{"lines": [\n  {"order_id": 1,,}]}', ImportFormat.JSON, INDIA)
    assert not_json.value.problems[0][0] == 2
    with pytest.raises(UnreadableImport):
        parse(b'{"orders": []}', ImportFormat.JSON, INDIA)
    with pytest.raises(UnreadableImport):
        parse(b"\xff\xfe", AMAZON, INDIA)


def test_flipkart_shipments_give_one_line_per_order_item() -> None:
    data = b"""{"shipments": [
      {"orderItems": [
         {"orderItemId": "2001", "orderId": "OD1", "sku": "MIBAND2-BLK", "quantity": 1,
          "orderDate": "2017-09-20T10:00:00+05:30", "priceComponents": {"sellingPrice": 999.0}},
         {"orderItemId": "2002", "orderId": "OD1", "sku": "MIBAND2-ORG", "quantity": 2,
          "orderDate": "2017-09-20T10:00:00+05:30", "serviceProfile": "FBF"}],
       "deliveryAddress": {"state": "Tamil Nadu", "pincode": "600001"}},
      {"orderItems": "none"},
      {"orderItems": [{"orderItemId": "2004", "orderId": "OD3", "quantity": 1}]}
    ]}"""
    parsed = parse(data, ImportFormat.FLIPKART_JSON, INDIA)
    first, second = parsed.lines
    assert (first.key, first.amount, first.region, first.currency) == (
        ("OD1", "2001"), Decimal("999.0"), "IN-TN", "INR")  # fmt: skip
    assert first.seller_fulfilled and not second.seller_fulfilled
    assert [n for n, _ in parsed.problems] == [3, 4]


def test_neutral_json_lines_and_their_problems() -> None:
    data = b"""{"lines": [
      {"order_id": "N1", "line_id": "1", "purchased_at": "2017-09-20T04:00:00Z",
       "sku": "MIBAND2-BLK", "quantity": 1, "currency": "INR", "price": "999.00",
       "region": "ka", "fulfilled_by": "seller"},
      {"order_id": "N2", "line_id": "1", "purchased_at": "2017-09-20T04:00:00",
       "sku": "MIBAND2-BLK", "quantity": 1},
      {"order_id": "N3", "line_id": "1", "purchased_at": "2017-09-20T04:00:00Z",
       "sku": "MIBAND2-BLK", "quantity": -1},
      "not an object"
    ]}"""
    parsed = parse(data, ImportFormat.JSON, INDIA)
    (line,) = parsed.lines
    assert (line.region, line.amount, line.seller_fulfilled) == ("IN-KA", Decimal("999.00"), True)
    assert [n for n, _ in parsed.problems] == [2, 3, 4]


def test_a_report_knows_its_keys_before_reading_its_lines() -> None:
    report = read_report(
        amazon("402-1\t11\tnonsense\tX\t1\tINR\t9\tKA\t1\tM", "402-1\t12\tnonsense"), AMAZON, INDIA
    )
    assert report.keys == [("402-1", "11")]  # the short line is no entry
    assert report.problems == [(3, "3 columns, the header names 10")]
    assert [n for n, _ in report.lines([]).problems] == [3]


def test_windows_line_endings_and_a_byte_order_mark_are_read() -> None:
    data = (
        "\ufefforder-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\r\n"
        "402-1\t1\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t2\r\n\r\n"
    ).encode()
    (line,) = parse(data, AMAZON, INDIA).lines
    assert (line.line, line.order_id, line.quantity) == (2, "402-1", 2)


def test_amazon_lines_read_in_bulk_as_one_at_a_time() -> None:
    # Every way a line can fail, each after a good line that fills the caches it uses.
    good = "402-1\t11\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t1\tINR\t999.00\tKarnataka\t1\tMerchant"
    bad = [
        "402-2\t21\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t1\tINR\t999.00\tKarnataka\t1\tMerchant",
        "402-3\t31\t2017-09-20T04:00:00\tMIBAND2-BLK\t1\tINR\t999.00\tKarnataka\t1\tMerchant",
        "402-4\t41\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t0\tINR\t999.00\tKarnataka\t1\tMerchant",
        "402-5\t51\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t1\tINR\t-1\tKarnataka\t1\tMerchant",
        "402-6\t61\t2017-09-20T04:00:00Z\t\t1\tINR\t999.00\tKarnataka\t1\tMerchant",
        "402-7\t71\t2017-09-20T04:00:00Z\t" + "S" * 65 + "\t1\tINR\t999.00\tKA\t1\tAmazon",
        "402-8\t81\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t1\tRUPEE\t999.00\tKarnataka\t1\tMerchant",
        "4" * 65 + "\t91\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t1\tINR\t999.00\tGoa\t1\tMerchant",
        " 402-9 \t 92\t2017-09-20T05:00:00+05:30\tMIBAND2-BLK \t2\t\t\t\t1\tamazon",
        "402-10\t\t2017-09-20T04:00:00Z\tMIBAND2-BLK\t1\tINR\t999.00\tKarnataka\t1\tMerchant",
    ]
    data = amazon(*(line for pair in zip([good] * len(bad), bad, strict=True) for line in pair))
    bulk = read_report(data, AMAZON, INDIA).lines()
    one_at_a_time = Report.lines(read_report(data, AMAZON, INDIA))
    assert bulk == one_at_a_time
    assert len(bulk.lines) == 12 and [n for n, _ in bulk.problems] == [5, 7, 9, 11, 13, 15, 17, 21]
