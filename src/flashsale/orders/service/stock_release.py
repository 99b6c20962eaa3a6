"""Units of closed orders (expired, cancelled) go back to the stock gate, to be sold again.

The gate's generations of the orders' sales are read *before* the orders close in the store, and
the units go back under them. A rebuild of the gate after that read counts the closed orders'
units as free already; it started a new generation, so the give-back is ignored instead of
adding them a second time. A rebuild that read the store before the close loses them to the gate
(drift ``flashsale gate check`` reports and a rebuild heals): never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from flashsale.kernel.units import HeldUnits
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.orders.ports import OrderRepository, UnitReturns


async def generations_of(gate: UnitReturns, sale_ids: Sequence[str]) -> dict[str, int]:
    """The gate's current generation of each sale it holds; read before closing orders."""
    unique = list(dict.fromkeys(sale_ids))
    found = await gate.generations(unique)
    return {sale_id: g for sale_id, g in zip(unique, found, strict=True) if g is not None}


async def give_back_closed(
    gate: UnitReturns, closed: Sequence[Order], generations: Mapping[str, int]
) -> None:
    """Give back the units of orders closed after ``generations`` were read.

    An order of a sale the gate did not hold then has nothing to go back to: the load that
    brings the sale counts from the store.
    """
    returns: list[tuple[HeldUnits, int]] = [
        (o, generations[o.sale_id]) for o in closed if o.sale_id in generations
    ]
    if returns:
        await gate.give_back(returns)


async def close_giving_back(
    store: OrderRepository,
    gate: UnitReturns,
    order_ids: Sequence[str],
    sale_ids: Sequence[str],
    to: OrderStatus,
    at: datetime,
    actor: str | None = None,
) -> list[Order]:
    """Close orders (reserved -> ``to``) and give their units back; the orders that moved.

    ``sale_ids`` must name the sale of every order (more is harmless): the units of an order of
    another sale stay out of the gate.
    """
    generations = await generations_of(gate, sale_ids)
    closed = await (
        store.close_orders(order_ids, to, at)
        if actor is None
        else store.close_orders(order_ids, to, at, actor)
    )
    await give_back_closed(gate, closed, generations)
    return closed
