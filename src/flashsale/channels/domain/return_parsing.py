"""Reading partners' cancellations and returns (channels/domain/returns.py), in their shapes:

- ``amazon-returns``: Amazon's returns report by return date (``GET_FLAT_FILE_RETURNS_DATA_BY_
  RETURN_DATE``), tab-separated, a header row naming the columns in any order. Required: ``Order
  ID``, ``Merchant SKU``, ``Return quantity``, ``Return request date``; read when present:
  ``Return delivery date`` (a return not yet delivered back is passed over: the report is sent
  again once it is) and a disposition (``detailed-disposition`` as in Amazon's FBA customer
  returns report, or ``disposition``: ``SELLABLE`` is restocked, anything else written off).
  The report names the order and the SKU, not the order line: the line is the order's line of
  that SKU. A line returned in parts is told apart by ``Amazon RMA ID`` when the report has it,
  else by its ``Return request date``.
- ``amazon-flatfile``: Amazon's order report again (``order-id``, ``order-item-id``, ``purchase-
  date``, ``order-status``; ``last-updated-date`` read when present): each line whose
  ``order-status`` is ``Cancelled`` is a cancellation of its line; the others are passed over.
- ``flipkart-json``: ``{"returnItems": [...]}`` as Flipkart's ``GET /v2/returns`` answers
  (``orderId``, ``orderItemId``, ``quantity``, ``status``, ``createdDate``, ``updatedDate``): a
  return whose ``status`` is ``completed`` is back at our door, the others are passed over (a
  line's returns told apart by ``returnId``, else by ``createdDate``); or
  ``{"shipments": [...]}`` as ``POST /v3/shipments/filter`` answers with ``type: cancelled``:
  each order item whose ``status`` is ``CANCELLED`` is a cancellation. Flipkart does not say
  what state a unit came back in: an item's ``"condition": "damaged"`` (the seller's check)
  writes it off.
- ``json``: ``{"events": [{order_id, line_id, kind: cancellation|return, at, quantity?,
  condition?: sellable|damaged, return_id?}]}`` (a line's returns told apart by ``return_id``,
  else by ``at``).

As with orders, an entry that cannot be read is reported by its number (the file's line, or the
entry's position in JSON), the others are read all the same, and a file of which nothing can be
read raises ``UnreadableImport``.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from flashsale.channels.domain.parsing import MAX_QUANTITY, _document, _text, _why
from flashsale.channels.domain.returns import ReportedReturn, ReturnKind
from flashsale.channels.errors import UnreadableImport
from flashsale.kernel.errors import InvalidInput

MAX_ID = 64
_SHOWN = 40


class ReturnFormat(enum.StrEnum):
    AMAZON_RETURNS = "amazon-returns"
    AMAZON_FLATFILE = "amazon-flatfile"
    FLIPKART_JSON = "flipkart-json"
    JSON = "json"


@dataclass
class ParsedReturns:
    returns: list[ReportedReturn] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    passed_over: int = 0  # entries that are no cancellation or return (yet)


def read_returns(data: bytes, kind: ReturnFormat) -> ParsedReturns:
    """Every cancellation and return of the file; ``UnreadableImport`` when it is no file of
    the kind, or nothing in it can be read."""
    readers: dict[ReturnFormat, Callable[[bytes], ParsedReturns]] = {
        ReturnFormat.AMAZON_RETURNS: _amazon_returns,
        ReturnFormat.AMAZON_FLATFILE: _amazon_cancellations,
        ReturnFormat.FLIPKART_JSON: _flipkart,
        ReturnFormat.JSON: _neutral,
    }
    parsed = readers[kind](data)
    parsed.problems.sort()
    if not parsed.returns and not parsed.passed_over:
        problems = parsed.problems or [(1, "the file holds no cancellations or returns")]
        raise UnreadableImport(
            f"no line of the {kind.value} file can be read: "
            + "; ".join(f"line {n}: {why}" for n, why in problems[:5]),
            problems[:50],
        )
    return parsed


def _moment(text: str) -> datetime:
    """ISO 8601 with an offset, or a bare date (midnight UTC), as the partners' reports give."""
    text = text.strip()
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        if len(text) > 10:
            raise ValueError(f"date {text[:_SHOWN]!r} has no offset")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _id(text: str, what: str) -> str:
    text = text.strip()
    if not 0 < len(text) <= MAX_ID:
        raise ValueError(f"{what}: 1 to {MAX_ID} characters")
    return text


def _quantity(text: str) -> int:
    quantity = int(text)
    if not 0 < quantity <= MAX_QUANTITY:
        raise ValueError(f"quantity {quantity} is not 1 to {MAX_QUANTITY}")
    return quantity


# -- Amazon's flat files --------------------------------------------------------------------


Rows = list[tuple[int, list[str]]]  # (line in the file, its cells)


def _rows(
    data: bytes, required: tuple[str, ...]
) -> tuple[dict[str, int], Rows, list[tuple[int, str]]]:
    """Where each column is (by its lower-cased name), the rows of the header's width, and the
    problems of the others."""
    rows = csv.reader(io.StringIO(_text(data)), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [name.strip().lower() for name in next(rows, [])]
    missing = [name for name in required if name not in header]
    if missing:
        raise UnreadableImport(
            "the first line must name the report's columns; missing: " + ", ".join(missing),
            [(1, "missing columns: " + ", ".join(missing))],
        )
    kept: Rows = []
    problems: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            if row and (len(row) > 1 or row[0].strip()):  # a blank line, as reports end
                problems.append((number, f"{len(row)} columns, the header names {len(header)}"))
            continue
        kept.append((number, row))
    return {name: header.index(name) for name in header}, kept, problems


_AMAZON_RETURNS = ("order id", "merchant sku", "return quantity", "return request date")


def _amazon_returns(data: bytes) -> ParsedReturns:
    at, rows, problems = _rows(data, _AMAZON_RETURNS)
    parsed = ParsedReturns(problems=problems)
    delivered = at.get("return delivery date")
    disposition = at.get("detailed-disposition", at.get("disposition"))
    rma = at.get("amazon rma id")
    for number, row in rows:
        if delivered is not None and not row[delivered].strip():
            parsed.passed_over += 1  # asked for, not back yet
            continue
        try:
            when = row[delivered] if delivered is not None else row[at["return request date"]]
            state = row[disposition].strip().upper() if disposition is not None else ""
            asked = row[at["return request date"]]
            ref = row[rma].strip() if rma is not None else ""
            parsed.returns.append(
                ReportedReturn(
                    number,
                    _id(row[at["order id"]], "Order ID"),
                    None,
                    _id(row[at["merchant sku"]], "Merchant SKU"),
                    ReturnKind.RETURN,
                    _quantity(row[at["return quantity"]]),
                    _moment(when),
                    state not in ("", "SELLABLE"),
                    _id(ref, "Amazon RMA ID") if ref else _moment(asked).isoformat(),
                )
            )
        except ValueError as exc:
            parsed.problems.append((number, str(exc)[:200]))
    return parsed


_AMAZON_ORDERS = ("order-id", "order-item-id", "purchase-date", "order-status")


def _amazon_cancellations(data: bytes) -> ParsedReturns:
    at, rows, problems = _rows(data, _AMAZON_ORDERS)
    parsed = ParsedReturns(problems=problems)
    updated = at.get("last-updated-date")
    for number, row in rows:
        if row[at["order-status"]].strip().lower() != "cancelled":
            parsed.passed_over += 1
            continue
        try:
            when = (row[updated].strip() if updated is not None else "") or row[at["purchase-date"]]
            parsed.returns.append(
                ReportedReturn(
                    number,
                    _id(row[at["order-id"]], "order-id"),
                    _id(row[at["order-item-id"]], "order-item-id"),
                    None,
                    ReturnKind.CANCELLATION,
                    None,
                    _moment(when),
                    False,
                )
            )
        except ValueError as exc:
            parsed.problems.append((number, str(exc)[:200]))
    return parsed


# -- JSON -----------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NeutralEvent(_Item):
    order_id: Text
    line_id: Text
    kind: ReturnKind
    at: datetime
    quantity: int | None = Field(default=None, gt=0, le=MAX_QUANTITY)
    condition: Literal["sellable", "damaged"] = "sellable"
    return_id: Text | None = None


class FlipkartReturn(_Item):
    orderId: Text
    orderItemId: Text
    quantity: int = Field(gt=0, le=MAX_QUANTITY)
    status: str
    createdDate: datetime
    updatedDate: datetime | None = None
    condition: Literal["sellable", "damaged"] = "sellable"
    returnId: Text | None = None


class FlipkartCancelledItem(_Item):
    orderId: Text
    orderItemId: Text
    status: str
    orderDate: datetime
    cancellationDate: datetime | None = None


_NEUTRAL = TypeAdapter(NeutralEvent)
_FLIPKART_RETURN = TypeAdapter(FlipkartReturn)
_FLIPKART_ITEM = TypeAdapter(FlipkartCancelledItem)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("a time needs its offset")
    return moment.astimezone(UTC)


Reader = Callable[[int, Any], ReportedReturn | None]  # None: passed over


def _each(parsed: ParsedReturns, items: list[tuple[int, Any]], read: Reader) -> ParsedReturns:
    for number, item in items:
        try:
            found = read(number, item)
        except ValidationError as exc:
            parsed.problems.append((number, _why(exc)))
            continue
        except InvalidInput as exc:
            parsed.problems.append((number, exc.detail[:200]))
            continue
        if found is None:
            parsed.passed_over += 1
        else:
            parsed.returns.append(found)
    return parsed


def _neutral(data: bytes) -> ParsedReturns:
    def read(number: int, item: Any) -> ReportedReturn:
        x = _NEUTRAL.validate_python(item)
        return ReportedReturn(
            number, x.order_id, x.line_id, None, x.kind, x.quantity, _utc(x.at),
            x.condition == "damaged", x.return_id,
        )  # fmt: skip

    items = list(enumerate(_document(data, "events"), start=1))
    return _each(ParsedReturns(), items, read)


def _flipkart(data: bytes) -> ParsedReturns:
    try:
        return _flipkart_returns(_document(data, "returnItems"))
    except UnreadableImport:
        return _flipkart_cancellations(_document(data, "shipments"))


def _flipkart_returns(items: list[Any]) -> ParsedReturns:
    def read(number: int, item: Any) -> ReportedReturn | None:
        x = _FLIPKART_RETURN.validate_python(item)
        if x.status.lower() != "completed":  # not back at our door yet
            return None
        return ReportedReturn(
            number, x.orderId, x.orderItemId, None, ReturnKind.RETURN, x.quantity,
            _utc(x.updatedDate or x.createdDate), x.condition == "damaged",
            x.returnId or _utc(x.createdDate).isoformat(),
        )  # fmt: skip

    return _each(ParsedReturns(), list(enumerate(items, start=1)), read)


def _flipkart_cancellations(shipments: list[Any]) -> ParsedReturns:
    parsed = ParsedReturns()
    items: list[tuple[int, Any]] = []
    for shipment in shipments:
        found = shipment.get("orderItems") if isinstance(shipment, dict) else None
        if not isinstance(found, list):
            parsed.problems.append((len(items) + 1, 'shipment: no "orderItems" list'))
            continue
        items.extend((len(items) + n, item) for n, item in enumerate(found, start=1))

    def read(number: int, item: Any) -> ReportedReturn | None:
        x = _FLIPKART_ITEM.validate_python(item)
        if x.status.upper() != "CANCELLED":
            return None
        return ReportedReturn(
            number, x.orderId, x.orderItemId, None, ReturnKind.CANCELLATION, None,
            _utc(x.cancellationDate or x.orderDate), False,
        )  # fmt: skip

    return _each(parsed, items, read)
