"""The sales report as CSV: one line a row, then the totals; amounts as exact decimal text.

Read back (``rows_of_csv``) it gives the same numbers: the round trip is a test.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flashsale.reporting.domain.questions import ReportRow, SalesAnswer

COLUMNS = (
    "period",
    "period_start",
    "period_end",
    "market",
    "channel",
    "sku",
    "orders",
    "units_sold",
    "units_cancelled",
    "units_shipped",
    "units_delivered",
    "units_returned",
    "revenue",
    "revenue_currency",
    "revenue_reporting",
    "reporting_currency",
    "incomplete",
)


def _line(row: ReportRow, period: str, currency: str) -> list[str]:
    native = sorted(row.revenue)
    single = native[0] if len(native) == 1 else ""
    return [
        period,
        row.period.first.isoformat(),
        row.period.last.isoformat(),
        row.market or "",
        row.channel or "",
        row.sku or "",
        str(row.orders),
        str(row.units_sold),
        str(row.units_cancelled),
        str(row.units_shipped),
        str(row.units_delivered),
        str(row.units_returned),
        str(row.revenue_in(single)) if single else "",
        single,
        str(row.reporting_amount(currency)),
        currency,
        "true" if row.incomplete else "false",
    ]


def lines(answer: SalesAnswer) -> Iterator[list[str]]:
    currency = answer.question.currency
    yield list(COLUMNS)
    for row in answer.rows:
        yield _line(row, row.period.name, currency)
    total = _line(answer.total, "total", currency)
    total[1], total[2] = answer.question.first.isoformat(), answer.question.last.isoformat()
    yield total


def to_csv(answer: SalesAnswer) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(lines(answer))
    return out.getvalue()


def rows_of_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))
