"""The console's forms as the operator fills them: a sale's terms (times in UTC), whole numbers,
product attributes, and the page to go back to after the log-in."""

from __future__ import annotations

from datetime import UTC, datetime

from flashsale.kernel import errors
from flashsale.sales.domain.sale import FlashSale
from flashsale.web.accounts import safe_next
from flashsale.web.console_kit import parse_amount
from flashsale.web.forms import whole_number

SALE_TIMES = ("registration_opens_at", "registration_closes_at", "opens_at", "closes_at")


def parse_utc(value: str, label: str) -> datetime:
    """A datetime-local field, read as UTC (the console says so beside every such field)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise errors.InvalidInput(f"{label}: {value!r} is not a date and time") from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # an offset that carries it past the year 1 or 9999
        raise errors.InvalidInput(f"{label}: {value!r} is out of range") from exc


def console_path(target: str | None) -> str:
    """A console page to go back to after the log-in; "" for anything else."""
    path = safe_next(target, "")
    return path if path == "/console" or path.startswith("/console/") else ""


def parse_int(value: str, label: str) -> int:
    return whole_number(value, label)


def sale_form_values(sale: FlashSale) -> dict[str, str]:
    """A sale's terms as the edit form shows them (datetime-local fields, in UTC)."""
    values = {name: getattr(sale, name).strftime("%Y-%m-%dT%H:%M:%S") for name in SALE_TIMES}
    return values | {
        "price": str(sale.price.amount),
        "stock": str(sale.stock_total),
        "per_customer_limit": str(sale.per_customer_limit),
        "payment_window_seconds": str(int(sale.payment_window.total_seconds())),
    }


def parse_attributes(text: str) -> dict[str, str]:
    """``colour=black, storage=64 GB`` -> {"colour": "black", "storage": "64 GB"}."""
    found: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise errors.InvalidInput(f"attribute {part.strip()!r} is not name=value")
        found[name.strip()] = value.strip()
    return found


def sale_price(value: str, locale: str) -> str | None:
    """A sale price typed the market's way, as the sales' service reads one; None when empty
    (the variant's list price)."""
    if not value.strip():
        return None
    return str(parse_amount(value, locale, "the sale price"))
