"""What one group commit of POS sales writes, decided in memory.

The record reads, inside the batch's transaction and with the rows locked, each store's last
receipt number, the sales already stored under the batch's idempotency keys and the free units
(on hand - allocated - committed) of every level the batch touches. ``plan_sales`` then goes
through the sales in arrival order, as if each were its own transaction: a short sale is refused
and changes nothing (it takes no number, so the numbers stay gap-free), the others are numbered
and their units taken from the running counts. A key seen before, in the record or earlier in
the same batch, answers with that sale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from flashsale.kernel.errors import NotFound
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.errors import InsufficientStoreStock

Level = tuple[str, str]  # (store code, SKU)
Outcome = PosSale | Exception  # the stored sale (the key's first one on a replay) or the refusal


class LocksDidNotHold(RuntimeError):
    """A guarded write changed fewer rows than the batch's locked reads promised: the record
    rolls the batch back rather than store counts that disagree with its rows."""


@dataclass(slots=True)
class SalesPlan:
    outcomes: list[Outcome] = field(default_factory=list)  # one per sale, in the batch's order
    new: list[PosSale] = field(default_factory=list)  # numbered: the rows to insert
    taken: dict[Level, int] = field(default_factory=dict)  # units leaving each level
    last_receipts: dict[str, int] = field(default_factory=dict)  # stores whose counter moves


def levels_of(sales: Sequence[PosSale]) -> list[Level]:
    """Every level the batch may touch, sorted: the order in which the record locks them."""
    return sorted({(s.store_code, line.sku) for s in sales for line in s.lines})


def plan_sales(
    sales: Sequence[PosSale],
    last_receipts: Mapping[str, int],
    free: Mapping[Level, int],
    stored: Mapping[tuple[str, str], PosSale],
) -> SalesPlan:
    """``last_receipts`` by store code (a store missing is unknown), ``free`` by level (a level
    missing holds nothing), ``stored``: the record's sales by (store code, idempotency key)."""
    plan = SalesPlan()
    left = dict(free)
    numbers = dict(last_receipts)
    by_key = dict(stored)
    for sale in sales:
        plan.outcomes.append(_decide(sale, plan, left, numbers, by_key))
    plan.last_receipts = {code: numbers[code] for code in {s.store_code for s in plan.new}}
    return plan


def _decide(
    sale: PosSale,
    plan: SalesPlan,
    left: dict[Level, int],
    numbers: dict[str, int],
    by_key: dict[tuple[str, str], PosSale],
) -> Outcome:
    code = sale.store_code
    if code not in numbers:
        return NotFound(f"no store {code}")
    twin = by_key.get((code, sale.idempotency_key))
    if twin is not None:
        return twin
    wanted: dict[str, int] = {}
    for line in sale.lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    for sku, quantity in sorted(wanted.items()):
        have = left.get((code, sku), 0)
        if have < quantity:
            return InsufficientStoreStock(
                f"{code} has {have} of {sku} free; the sale asks {quantity}"
            )
    for sku, quantity in wanted.items():
        left[code, sku] -= quantity
        plan.taken[code, sku] = plan.taken.get((code, sku), 0) + quantity
    numbers[code] += 1
    numbered = replace(sale, number=numbers[code])
    by_key[code, sale.idempotency_key] = numbered
    plan.new.append(numbered)
    return numbered
