"""What the commands print: Rich tables of sales and a sale's audit, and help texts."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from rich.table import Table

from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.service.sales import SaleView


def paragraphs(text: str | None) -> str:
    """A docstring as ``--help`` shows it: each paragraph one line, for the terminal to wrap
    at its own width (Typer keeps a docstring's line breaks, cutting sentences at column 79)."""
    blocks = inspect.cleandoc(text or "").split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in block.splitlines()) for block in blocks)


def _mark(ok: bool) -> str:
    return "[green]yes" if ok else "[red]NO"


def _zero(count: int) -> str:
    return f"[green]{count}" if count == 0 else f"[red]{count}"


def sales_table(views: Sequence[SaleView]) -> Table:
    table = Table(title="Flash sales")
    for name in ("id", "sku", "market", "price", "left / stock", "limit", "state", "opens (UTC)"):
        table.add_column(name, overflow="fold")
    for view in views:
        sale = view.sale
        table.add_row(
            sale.id,
            sale.sku,
            sale.market_code,
            str(sale.price),
            f"{view.stock_left:,} / {sale.stock_total:,}",
            str(sale.per_customer_limit),
            view.state.value,
            sale.opens_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    return table


def audit_table(audit: SaleAudit) -> Table:
    verdict = "[green]clean" if audit.clean else "[red]NOT CLEAN"
    # The sale's id in the caption, whole: a table cell 80 columns wide would fold it mid-id.
    table = Table(title=f"Sale audit: {verdict}", caption=f"sale {audit.sale_id}")
    table.add_column("fact")
    table.add_column("value", justify="right", overflow="fold")
    table.add_row("stock", f"{audit.stock_total:,}")
    table.add_row("paid", f"{audit.units.paid:,}")
    table.add_row("reserved, awaiting payment", f"{audit.units.reserved:,}")
    table.add_row("left for sale", f"{audit.stock_left:,}")
    gate = "not loaded" if audit.gate_stock_left is None else f"{audit.gate_stock_left:,}"
    table.add_row("left, as the stock gate sees it", gate)
    table.add_row("expired (went back on sale)", f"{audit.units.expired:,}")
    table.add_row("cancelled (went back on sale)", f"{audit.units.cancelled:,}")
    table.add_row("oversold", _zero(audit.oversold))
    table.add_row("customers over the limit", _zero(audit.customers_over_limit))
    table.add_row(
        "paid orders without a matching payment", _zero(audit.orders_without_payment_match)
    )
    table.add_row("gate drift healed (units, all told)", f"{audit.gate_drift_healed:,}")
    table.add_row("every unit accounted for", _mark(audit.conservation_ok))
    return table
