"""Reading partners' order reports into order lines, line by line.

Three shapes: Amazon's flat-file order report (tab-separated, a header row naming the
columns; ``order-id``, ``order-item-id``, ``purchase-date``, ``sku``, ``quantity-purchased``
required, ``currency``, ``item-price``, ``ship-state``, ``ship-postal-code``, ``ship-country``,
``fulfillment-channel`` read when present), Flipkart's shipments JSON (``{"shipments": [{
"orderItems": [...], "deliveryAddress": {...}}]}``, as ``POST /sellers/v3/shipments/filter``
answers) and a neutral JSON (``{"lines": [{order_id, line_id, purchased_at, sku, quantity,
currency, price, region, fulfilled_by}]}``).

A line that cannot be read is reported by its number (the file's line for the flat file, the
order line's position in the file for JSON) and the others are read all the same; a file of
which nothing can be read raises ``UnreadableImport`` (422 with the line numbers).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, cast

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from flashsale.channels.domain.order_line import OrderLine
from flashsale.channels.domain.regions import region_of
from flashsale.channels.errors import UnreadableImport
from flashsale.kernel.errors import InvalidInput

MAX_QUANTITY = 10_000
MAX_ID = 64  # the partners' order and line ids, and SKUs
MAX_PROBLEMS_SHOWN = 50  # a 422 names this many lines, then says how many more
_SHOWN = 40


class ImportFormat(enum.StrEnum):
    AMAZON_FLATFILE = "amazon-flatfile"
    FLIPKART_JSON = "flipkart-json"
    JSON = "json"


@dataclass
class Parsed:
    lines: list[OrderLine] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


@dataclass(frozen=True, slots=True)
class FileContext:
    """What a report leaves unsaid: the channel's market and currency."""

    country: str
    currency: str


class Report:
    """A file read far enough to know each entry's key (order id, line id), so the entries
    stored before are skipped without being read further: importing a report again costs the
    keys' look-up, not the parsing of every line."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.keys: list[tuple[str, str] | None] = []  # per entry; None: not even its key
        self.numbers: list[int] = []  # per entry: its line in the file (or item in JSON)
        self.problems: list[tuple[int, str]] = []  # entries too broken to be entries

    def _line(self, index: int) -> OrderLine:
        raise NotImplementedError

    def lines(self, indexes: Iterable[int] | None = None) -> Parsed:
        """The entries (all, or these) as order lines, and the problems of those that
        cannot be read."""
        parsed = Parsed(problems=list(self.problems))
        append, problems = parsed.lines.append, parsed.problems
        for index in range(len(self.keys)) if indexes is None else indexes:
            try:
                append(self._line(index))
            except (ValueError, InvalidInput) as exc:
                why = _why(exc) if isinstance(exc, ValidationError) else _detail(exc)
                problems.append((self.numbers[index], why))
        problems.sort()
        return parsed


def _detail(exc: Exception) -> str:
    return (exc.detail if isinstance(exc, InvalidInput) else str(exc))[:200]


def read_report(data: bytes, kind: ImportFormat, context: FileContext) -> Report:
    """The file's entries and their keys; ``UnreadableImport`` when it is no file of the kind
    (no header, not JSON, no list)."""
    readers: dict[ImportFormat, Callable[[bytes, FileContext], Report]] = {
        ImportFormat.AMAZON_FLATFILE: AmazonReport,
        ImportFormat.FLIPKART_JSON: FlipkartReport,
        ImportFormat.JSON: NeutralReport,
    }
    return readers[kind](data, context)


def nothing_readable(kind: ImportFormat, problems: list[tuple[int, str]]) -> UnreadableImport:
    problems = problems or [(1, "the file holds no order lines")]
    return UnreadableImport(
        f"no line of the {kind.value} file can be read: "
        + "; ".join(f"line {n}: {why}" for n, why in problems[:5]),
        problems[:MAX_PROBLEMS_SHOWN],
    )


def parse(data: bytes, kind: ImportFormat, context: FileContext) -> Parsed:
    """Every line of the file, and the problems of those that cannot be read;
    ``UnreadableImport`` when no line can be."""
    parsed = read_report(data, kind, context).lines()
    if not parsed.lines:
        raise nothing_readable(kind, parsed.problems)
    return parsed


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableImport(
            "the file is not UTF-8 text", [(data.count(b"\n", 0, exc.start) + 1, "not UTF-8")]
        ) from exc


class _Cached:
    """Reports repeat their times (to the second), prices and states thousands of times: each
    distinct text is converted once."""

    def __init__(self, convert: Callable[[str], Any]) -> None:
        self._convert = convert
        self.seen: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        found = self.seen.get(text, _MISSING)
        if found is _MISSING:
            found = self.seen[text] = self._convert(text)
        return found


_MISSING = object()


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        raise ValueError(f"purchase date {text[:_SHOWN]!r} has no offset")
    return moment.astimezone(UTC)


def _quantity(text: str) -> int:
    quantity = int(text)
    if not 0 < quantity <= MAX_QUANTITY:
        raise ValueError(f"quantity {quantity} is not 1 to {MAX_QUANTITY}")
    return quantity


def _amount(text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"price {text[:_SHOWN]!r} is not a decimal amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"price {text[:_SHOWN]!r} is not an amount")
    return amount


def _key(order_id: object, line_id: object) -> tuple[str, str] | None:
    if not (isinstance(order_id, str) and isinstance(line_id, str)):
        return None
    order_id, line_id = order_id.strip(), line_id.strip()
    if not (0 < len(order_id) <= MAX_ID and 0 < len(line_id) <= MAX_ID):
        return None
    return (order_id, line_id)


# -- Amazon's flat file ---------------------------------------------------------------------


@functools.cache
def _keys_pattern(width: int, order_column: int, line_column: int) -> re.Pattern[str]:
    """A whole line of ``width`` fields, capturing the two key columns (in column order) when
    neither is empty nor starts or ends with white space: such a key needs no stripping."""
    fields = [r"[^\t\n]*"] * width
    for column in (order_column, line_column):
        fields[column] = r"(\S(?:[^\t\n]*\S)?)"
    return re.compile("^" + "\t".join(fields) + "$", re.MULTILINE)


_AMAZON_REQUIRED = ("order-id", "order-item-id", "purchase-date", "sku", "quantity-purchased")
_AMAZON_OPTIONAL = ("currency", "item-price", "ship-state", "ship-country", "fulfillment-channel")


class AmazonReport(Report):
    """Tab-separated, unquoted (as ``csv`` reads it with ``QUOTE_NONE``): a line ends at LF,
    CR LF or CR, a field at a tab. A line is split into its fields only when it is read as an
    order line: a report imported again needs its keys alone, found for the whole file at once
    by a regular expression."""

    def __init__(self, data: bytes, context: FileContext) -> None:
        super().__init__(context)
        text = _text(data)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines[-1] == "":  # the last line's end, not a line
            lines.pop()
        header = [name.strip().lower() for name in lines[0].split("\t")] if lines else []
        missing = [name for name in _AMAZON_REQUIRED if name not in header]
        if missing:
            raise UnreadableImport(
                "the first line must name the report's columns; missing: " + ", ".join(missing),
                [(1, "missing columns: " + ", ".join(missing))],
            )
        at = {n: header.index(n) for n in _AMAZON_REQUIRED + _AMAZON_OPTIONAL if n in header}
        # Where the optional columns are (None: the report has not got it).
        self._optional = tuple(at.get(n) for n in _AMAZON_OPTIONAL)
        self._o, self._i, self._p, self._s, self._q = (at[n] for n in _AMAZON_REQUIRED)
        self._moment, self._amount = _Cached(_moment), _Cached(_amount)
        self._region: dict[tuple[str, str], str | None] = {}  # (country, state) → region
        self._lines = lines[1:]
        width = len(header)
        body = text[len(lines[0]) + 1 :]
        found = _keys_pattern(width, self._o, self._i).findall(body)
        if len(found) == len(self._lines):  # every line whole, every key neatly written
            self.numbers = list(range(2, len(found) + 2))
            self.keys = found if self._o < self._i else [(o, i) for i, o in found]
            return
        kept = []
        for number, line in enumerate(self._lines, start=2):
            fields = line.count("\t") + 1
            if fields != width:
                if fields > 1 or line.strip():  # a blank line: reports end so
                    self.problems.append((number, f"{fields} columns, the header names {width}"))
                continue
            self.numbers.append(number)
            kept.append(line)
            row = line.split("\t")
            # Checked when the line is read: a key too long or empty is never stored, so it
            # is never found a duplicate either.
            self.keys.append((row[self._o].strip(), row[self._i].strip()))
        self._lines = kept

    def _line(self, index: int) -> OrderLine:
        row, context = self._lines[index].split("\t"), self.context
        order_id, line_id = self.keys[index] or ("", "")
        sku = row[self._s].strip()
        if not (0 < len(order_id) <= MAX_ID and 0 < len(line_id) <= MAX_ID
                and 0 < len(sku) <= MAX_ID):  # fmt: skip
            raise ValueError(f"order-id, order-item-id and sku: 1 to {MAX_ID} characters")
        cur, price, state, country, channel = self._optional
        currency = (row[cur].strip() if cur is not None else "") or context.currency
        if len(currency) > 3:
            raise ValueError(f"currency {currency[:_SHOWN]!r} is no ISO 4217 code")
        ship_to = (row[country].strip() if country is not None else "") or context.country
        return OrderLine(
            self.numbers[index],
            order_id,
            line_id,
            self._moment(row[self._p]),
            sku,
            _quantity(row[self._q]),
            currency,
            self._amount(row[price]) if price is not None else None,
            self._region_of(ship_to, row[state].strip()) if state is not None else None,
            channel is None or row[channel].strip().lower() != "amazon",
        )

    def lines(self, indexes: Iterable[int] | None = None) -> Parsed:
        """As ``Report.lines``, a million lines at a few microseconds each: the loop is
        ``_line`` written inline over the conversions' caches, and a line it cannot read is
        read again by ``_line``, whose error is the problem reported."""
        parsed = Parsed(problems=list(self.problems))
        append, problems = parsed.lines.append, parsed.problems
        rows, keys, numbers = self._lines, self.keys, self.numbers
        p_col, s_col, q_col = self._p, self._s, self._q
        cur, price, state, country, channel = self._optional
        currency_default, country_default = self.context.currency, self.context.country
        moments, amounts, regions = self._moment.seen, self._amount.seen, self._region
        quantities: dict[str, int] = {}
        new = tuple.__new__
        for index in range(len(keys)) if indexes is None else indexes:
            row = rows[index].split("\t")
            key = keys[index]
            sku = row[s_col].strip()
            currency = (row[cur].strip() if cur is not None else "") or currency_default
            ship_to = (row[country].strip() if country is not None else "") or country_default
            where = (ship_to, row[state].strip()) if state is not None else None
            at = moments.get(row[p_col])
            quantity = quantities.get(row[q_col])
            amount = amounts.get(row[price], _MISSING) if price is not None else None
            region = regions.get(where, _MISSING) if where is not None else None
            if (key is None or at is None or quantity is None or amount is _MISSING
                    or region is _MISSING or not 0 < len(sku) <= MAX_ID
                    or not 0 < len(key[0]) <= MAX_ID or not 0 < len(key[1]) <= MAX_ID
                    or len(currency) > 3):  # fmt: skip
                try:  # the slow way, which fills the caches or says what is wrong
                    line = self._line(index)
                except (ValueError, InvalidInput) as exc:
                    problems.append((numbers[index], _detail(exc)))
                    continue
                append(line)
                quantities[row[q_col]] = line.quantity
                continue
            append(
                new(
                    OrderLine,
                    (numbers[index], key[0], key[1], at, sku, quantity, currency, amount, region,
                     channel is None or row[channel].strip().lower() != "amazon"),
                )
            )  # fmt: skip
        problems.sort()
        return parsed

    def _region_of(self, country: str, state: str) -> str | None:
        # A report names a few dozen states a million times.
        key = (country, state)
        found = self._region.get(key, _MISSING)
        if found is _MISSING:
            found = self._region[key] = region_of(country, state)
        return cast(str | None, found)


# -- JSON -----------------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NeutralLine(_Item):
    order_id: Text
    line_id: Text
    purchased_at: datetime
    sku: Text
    quantity: int = Field(gt=0, le=MAX_QUANTITY)
    currency: str = Field(default="", max_length=3)
    price: Decimal | None = Field(default=None, ge=0)
    region: str | None = Field(default=None, max_length=6)
    fulfilled_by: Literal["seller", "partner"] = "seller"


class FlipkartPrices(_Item):
    sellingPrice: Decimal | None = None  # Flipkart's names


class FlipkartItem(_Item):
    orderItemId: Text
    orderId: Text
    sku: Text
    quantity: int = Field(gt=0, le=MAX_QUANTITY)
    orderDate: datetime
    priceComponents: FlipkartPrices = FlipkartPrices()
    serviceProfile: str | None = None


class FlipkartAddress(_Item):
    state: str = ""
    pincode: str = ""


class FlipkartShipment(_Item):
    orderItems: list[dict[str, Any]]  # each read alone: one bad item, one problem
    deliveryAddress: FlipkartAddress = FlipkartAddress()
    serviceProfile: str | None = None


_NEUTRAL = TypeAdapter(NeutralLine)
_FLIPKART_ITEM = TypeAdapter(FlipkartItem)
_FLIPKART_SHIPMENT = TypeAdapter(FlipkartShipment)
_PARTNER_PROFILES = {"fbf", "smart_fulfilment", "fbf_lite"}  # Flipkart ships these itself


def _document(data: bytes, key: str) -> list[Any]:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UnreadableImport(f"not JSON: {exc}", [(exc.lineno, f"not JSON: {exc.msg}")]) from exc
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise UnreadableImport(
            f'the file must be a JSON object with a "{key}" list', [(1, f'no "{key}" list')]
        )
    return items


def _why(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}"[:200]


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("a purchase time needs its offset")
    return moment.astimezone(UTC)


class NeutralReport(Report):
    def __init__(self, data: bytes, context: FileContext) -> None:
        super().__init__(context)
        self._items = _document(data, "lines")
        for number, item in enumerate(self._items, start=1):
            ok = isinstance(item, dict)
            self.keys.append(_key(item.get("order_id"), item.get("line_id")) if ok else None)
            self.numbers.append(number)

    def _line(self, index: int) -> OrderLine:
        x = _NEUTRAL.validate_python(self._items[index])
        context = self.context
        return OrderLine(
            self.numbers[index],
            x.order_id,
            x.line_id,
            _utc(x.purchased_at),
            x.sku,
            x.quantity,
            x.currency or context.currency,
            x.price,
            region_of(context.country, x.region) if x.region else None,
            x.fulfilled_by == "seller",
        )


class FlipkartReport(Report):
    """Flipkart sells in rupees only and its shipments name no currency: the channel's is
    taken. Each order item is an entry; a shipment that is no shipment is one problem."""

    def __init__(self, data: bytes, context: FileContext) -> None:
        super().__init__(context)
        self._items: list[tuple[Any, FlipkartShipment]] = []
        number = 0
        for shipment in _document(data, "shipments"):
            number += 1
            try:
                read = _FLIPKART_SHIPMENT.validate_python(shipment)
            except ValidationError as exc:
                self.problems.append((number, f"shipment: {_why(exc)}"))
                continue
            for n, item in enumerate(read.orderItems):
                number += n > 0
                ok = isinstance(item, dict)
                self.keys.append(_key(item.get("orderId"), item.get("orderItemId")) if ok else None)
                self.numbers.append(number)
                self._items.append((item, read))

    def _line(self, index: int) -> OrderLine:
        item, shipment = self._items[index]
        x = _FLIPKART_ITEM.validate_python(item)
        profile = (x.serviceProfile or shipment.serviceProfile or "").lower()
        return OrderLine(
            self.numbers[index],
            x.orderId,
            x.orderItemId,
            _utc(x.orderDate),
            x.sku,
            x.quantity,
            self.context.currency,
            x.priceComponents.sellingPrice,
            region_of(self.context.country, shipment.deliveryAddress.state),
            profile not in _PARTNER_PROFILES,
        )
