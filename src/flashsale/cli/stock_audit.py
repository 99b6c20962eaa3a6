"""``flashsale stock audit``'s table: per SKU, where every unit received is now, door by door."""

from __future__ import annotations

from rich.table import Table

from flashsale.inventory.domain.audit import StockAudit

SHOWN_WHOLE = 20  # SKUs shown whole; past them, only those that do not balance


def stock_table(audit: StockAudit) -> Table:
    """One block per SKU: received, then each door's units sold (shipped less returned), the
    pools, on hand and written off, and whether they add up to what was received. A catalogue
    of thousands shows only its SKUs that do not balance (``--sku`` shows one whole)."""
    table = Table("sku", "", "units", "shipped", "returned", title="received = doors + pools"
                  " + on hand + written off")  # fmt: skip
    rows = audit.stock
    if len(rows) > SHOWN_WHOLE:
        rows = tuple(row for row in rows if not row.balanced)
    for row in rows:
        table.add_row(row.sku, "received", f"{row.received:,}", "", "")
        for door in row.doors:
            table.add_row(
                "", f"sold: {door.door.value}", f"{door.sold:,}", f"{door.shipped:,}",
                f"{door.returned:,}",
            )  # fmt: skip
        table.add_row("", "in pools", f"{row.in_pools:,}", "", "")
        table.add_row("", "on hand", f"{row.on_hand:,}", "", "")
        table.add_row("", "written off", f"{row.written_off:,}", "", "")
        verdict = "balanced" if row.balanced else f"OFF by {row.received - row.accounted:,}"
        table.add_row("", "= accounted", f"{row.accounted:,}", verdict, "", end_section=True)
    return table
