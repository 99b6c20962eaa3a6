"""Reading partners' cancellations and returns in their shapes (channels/domain/
return_parsing.py), and which door the ledger's references name (door_counting.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest

from flashsale.channels.domain.door_counting import return_door
from flashsale.channels.domain.return_parsing import ReturnFormat, read_returns
from flashsale.channels.domain.returns import ReportedReturn, ReturnKind
from flashsale.channels.errors import UnreadableImport
from flashsale.inventory.domain.doors import Door
from flashsale.kernel.money import Money
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale, SaleLine, Tender, TenderMethod

AT = datetime(2017, 9, 27, 10, 0, tzinfo=UTC)
INR = Money(Decimal("999.00"), "INR")


def test_amazons_returns_report_names_the_order_and_sku_and_is_read_once_delivered() -> None:
    report = (
        "Order ID\tOrder date\tReturn request date\tMerchant SKU\tReturn quantity"
        "\tReturn delivery date\tdetailed-disposition\n"
        "402-1\t2017-09-20\t2017-09-25\tMIBAND2-BLK\t1\t2017-09-27T10:00:00+00:00\tSELLABLE\n"
        "402-2\t2017-09-20\t2017-09-25\tMIBAND2-BLK\t2\t2017-09-27\tCUSTOMER_DAMAGED\n"
        "402-3\t2017-09-20\t2017-09-26\tMIBAND2-BLK\t1\t\t\n"  # not back yet
        "402-4\t2017-09-20\t2017-09-26\tMIBAND2-BLK\tmany\t2017-09-27\t\n"
        "402-5\tshort\n"
    )
    parsed = read_returns(report.encode(), ReturnFormat.AMAZON_RETURNS)
    assert parsed.returns == [
        # Told apart from the line's other returns by when each was asked (no RMA column).
        ReportedReturn(2, "402-1", None, "MIBAND2-BLK", ReturnKind.RETURN, 1, AT, False,
                       "2017-09-25T00:00:00+00:00"),
        ReportedReturn(3, "402-2", None, "MIBAND2-BLK", ReturnKind.RETURN, 2,
                       datetime(2017, 9, 27, tzinfo=UTC), True, "2017-09-25T00:00:00+00:00"),
    ]  # fmt: skip
    assert parsed.passed_over == 1
    assert [n for n, _ in parsed.problems] == [5, 6]


def test_amazons_order_report_names_its_cancelled_lines() -> None:
    report = (
        "order-id\torder-item-id\tpurchase-date\torder-status\n"
        "402-1\t11\t2017-09-20T04:00:00+00:00\tShipped\n"
        "402-2\t21\t2017-09-27T10:00:00+00:00\tCancelled\n"
    )
    parsed = read_returns(report.encode(), ReturnFormat.AMAZON_FLATFILE)
    assert parsed.returns == [
        ReportedReturn(3, "402-2", "21", None, ReturnKind.CANCELLATION, None, AT, False)
    ]
    assert parsed.passed_over == 1


def test_flipkart_returns_once_completed_and_its_cancelled_shipments() -> None:
    returns = {"returnItems": [
        {"orderId": "OD1", "orderItemId": "1", "quantity": 1, "status": "completed",
         "createdDate": "2017-09-25T10:00:00+05:30", "updatedDate": "2017-09-27T15:30:00+05:30"},
        {"orderId": "OD2", "orderItemId": "2", "quantity": 1, "status": "created",
         "createdDate": "2017-09-25T10:00:00+05:30"},
    ]}  # fmt: skip
    parsed = read_returns(orjson.dumps(returns), ReturnFormat.FLIPKART_JSON)
    assert parsed.returns == [  # told apart by when it was created (no returnId given)
        ReportedReturn(
            1, "OD1", "1", None, ReturnKind.RETURN, 1, AT, False, "2017-09-25T04:30:00+00:00"
        )
    ]
    assert parsed.passed_over == 1
    shipments = {"shipments": [{"orderItems": [
        {"orderId": "OD3", "orderItemId": "3", "status": "CANCELLED",
         "orderDate": "2017-09-20T10:00:00+05:30", "cancellationDate": "2017-09-27T15:30:00+05:30"},
        {"orderId": "OD3", "orderItemId": "4", "status": "APPROVED",
         "orderDate": "2017-09-20T10:00:00+05:30"},
    ]}]}  # fmt: skip
    parsed = read_returns(orjson.dumps(shipments), ReturnFormat.FLIPKART_JSON)
    assert parsed.returns == [
        ReportedReturn(1, "OD3", "3", None, ReturnKind.CANCELLATION, None, AT, False)
    ]


def test_neutral_events_and_files_with_nothing_readable() -> None:
    events = {"events": [
        {"order_id": "402-1", "line_id": "1", "kind": "return", "at": "2017-09-27T10:00:00Z",
         "quantity": 1, "condition": "damaged"},
        {"order_id": "402-2", "line_id": "1", "kind": "refund", "at": "2017-09-27T10:00:00Z"},
    ]}  # fmt: skip
    parsed = read_returns(orjson.dumps(events), ReturnFormat.JSON)
    assert parsed.returns == [ReportedReturn(1, "402-1", "1", None, ReturnKind.RETURN, 1, AT, True)]
    assert [n for n, _ in parsed.problems] == [2]
    with pytest.raises(UnreadableImport) as raised:
        read_returns(orjson.dumps({"events": events["events"][1:]}), ReturnFormat.JSON)
    assert raised.value.problems[0][0] == 1
    with pytest.raises(UnreadableImport):
        read_returns(b"{,", ReturnFormat.JSON)
    with pytest.raises(UnreadableImport):
        read_returns(b"Order ID\tsku\n", ReturnFormat.AMAZON_RETURNS)


def test_the_ledgers_references_name_the_doors_their_writers_use() -> None:
    sale = PosSale("pos_1", "MH-BLR", "till_1", "stf_1", (SaleLine("MIBAND2-BLK", 1, INR),),
                   INR, Tender(TenderMethod.CASH, INR, INR), AT, "k1", "f" * 64)  # fmt: skip
    assert sale.reference.startswith("pos:")  # door_counting.POS_SALE: a till's sale
    back = PosReturn("pret_1", "pos_1", "MH-BLR", (("MIBAND2-BLK", 1),), True, INR, "s", AT)
    assert return_door(back.reference) is Door.STORES
    # fulfilment's returns write "return <id>" (tests/unit/fulfilment/test_returns.py pins it)
    assert return_door("return ret_1") is Door.WEB
    assert return_door("partner-return:AMAZON_IN:chr_1") is Door.PARTNERS
    assert return_door("PO-1") is Door.UNKNOWN
