"""The record's last word on a batch of orders: the stock and the per-customer limit, again.

The stock gate decides first and fast, but it is a cache that can be wrong (a Redis flushed,
failed over to a lagging replica, or rebuilt while another process had units in flight). So the
transaction that stores a batch checks it once more against what the record holds, with the
sale's row locked, and refuses the orders that would pass the stock or the limit before anyone
is told. This module is that rule over plain numbers; the memory and SQLite stores call it, and
PostgreSQL's ``place_orders`` function applies the same rule in SQL (the contract suite holds
them equal).

The rule, in the batch's order:
- an order whose (customer, idempotency key) the record holds already is a replay: skipped;
- only live orders (reserved, paid) count; others are stored as they are;
- limit: the customer's live units in the record plus those of the customer's live orders so far
  in the batch, this one included, must not pass the sale's limit;
- stock: the sale's units held plus those of the batch's live orders so far that passed the
  limit, this one included, must not pass the stock.
Prefix sums, not a search for the best fit: one refusal may refuse a later, smaller order too,
which only ever sells less, and lets SQL decide a batch with window functions in one statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flashsale.orders.domain.order import Order


@dataclass(frozen=True, slots=True)
class SaleUnits:
    """What the record says of a sale when a batch arrives (its row locked)."""

    stock_total: int
    per_customer_limit: int
    units_held: int  # units in the sale's live orders


@dataclass(frozen=True, slots=True)
class Placement:
    """What became of a batch: ids stored, refused for want of stock, refused for the limit.

    An id in none of them was a replay of an idempotency key the record holds.
    """

    stored: set[str] = field(default_factory=set)
    sold_out: set[str] = field(default_factory=set)
    over_limit: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Decided:
    placement: Placement
    to_store: list[Order]
    units_added: dict[str, int]  # per sale: live units the stored orders add


def place(
    orders: Sequence[Order],
    sales: Mapping[str, SaleUnits],
    held: Mapping[tuple[str, str], int],
    stored_keys: frozenset[tuple[str, str]] | set[tuple[str, str]],
) -> Decided:
    """Decide a batch. ``held`` maps (sale, customer) to live units in the record; ``sales``
    the batch's sales the record holds; ``stored_keys`` the (customer, key) pairs
    of the batch the record holds already. Within the batch the first order of a key wins."""
    keys_seen: set[tuple[str, str]] = set(stored_keys)
    customer_so_far: dict[tuple[str, str], int] = defaultdict(int)
    sale_so_far: dict[str, int] = defaultdict(int)
    sold_out: set[str] = set()
    over_limit: set[str] = set()
    to_store: list[Order] = []
    for order in orders:
        if order.idempotency_key is not None:
            key = (order.customer_id, order.idempotency_key)
            if key in keys_seen:
                continue
            keys_seen.add(key)
        sale = sales.get(order.sale_id)
        if not order.holds_stock or sale is None:  # a missing sale: the insert refuses it
            to_store.append(order)
            continue
        who = (order.sale_id, order.customer_id)
        customer_so_far[who] += order.quantity
        if held.get(who, 0) + customer_so_far[who] > sale.per_customer_limit:
            over_limit.add(order.id)
            continue
        sale_so_far[order.sale_id] += order.quantity
        if sale.units_held + sale_so_far[order.sale_id] > sale.stock_total:
            sold_out.add(order.id)
            continue
        to_store.append(order)
    units_added: dict[str, int] = defaultdict(int)
    for order in to_store:
        if order.holds_stock:
            units_added[order.sale_id] += order.quantity
    return Decided(
        Placement({o.id for o in to_store}, sold_out, over_limit), to_store, dict(units_added)
    )
