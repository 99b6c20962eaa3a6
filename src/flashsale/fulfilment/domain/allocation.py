"""Deciding a batch: each order's location(s), or why it has none, from one snapshot.

Decisions take from the snapshot as they go (``Availability.take``), so a batch never promises
a unit twice in memory; the repository's guarded counter updates make sure the snapshot was
still true when the batch is written, or the batch is decided again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flashsale.fulfilment.domain.settings import chain_from
from flashsale.fulfilment.domain.strategies import STRATEGIES, Context, Need


@dataclass(frozen=True, slots=True)
class Part:
    location: str
    quantity: int
    from_allotment: int


@dataclass(frozen=True, slots=True)
class Decision:
    need: Need
    parts: tuple[Part, ...]  # empty: unallocated, for ``reason``
    reason: str = ""
    # Click & collect by transfer: the one part is at a DC, sent to this pickup store.
    transfer_to: str | None = None


def decide(need: Need, ctx: Context) -> Decision:
    """Take the first location along the strategy chain that has the whole order; else, where
    splits are allowed, the fewest first locations that have it between them; else nothing."""
    if need.pickup is not None:
        return decide_pickup(need, ctx)
    if not ctx.codes:
        return Decision(need, (), f"no active distribution centre in {ctx.settings.market_code}")
    available = ctx.available
    # The common case first, without the chain's bookkeeping: the first strategy's first
    # location has the whole order.
    first = STRATEGIES[ctx.settings.strategy](need, ctx)
    if first and available.of(need, first[0]) >= need.quantity:
        code = first[0]
        return Decision(
            need, (Part(code, need.quantity, available.take(need, code, need.quantity)),)
        )
    seen: list[str] = []
    for strategy in chain_from(ctx.settings.strategy):
        for code in STRATEGIES[strategy](need, ctx):
            if code in seen:
                continue
            if available.of(need, code) >= need.quantity:
                return Decision(
                    need, (Part(code, need.quantity, available.take(need, code, need.quantity)),)
                )
            seen.append(code)
    for code in ctx.codes:  # the chain may not have named them all (no region, no list)
        if code not in seen:
            seen.append(code)
    enough = sum(max(0, available.of(need, code)) for code in seen) >= need.quantity
    if ctx.settings.allow_split and enough:
        parts = []
        left = need.quantity
        for code in seen:
            units = min(left, available.of(need, code))
            if units <= 0:
                continue
            parts.append(Part(code, units, available.take(need, code, units)))
            left -= units
            if left == 0:
                break
        return Decision(need, tuple(parts))
    best = max(seen, key=lambda code: (available.of(need, code), code))
    most = max(0, available.of(need, best))
    split = " (splits are not allowed)" if not ctx.settings.allow_split and most else ""
    return Decision(
        need,
        (),
        f"no location has {need.quantity} of {need.sku}: the most is {most} at {best}{split}",
    )


def decide_pickup(need: Need, ctx: Context) -> Decision:
    """Click & collect: the whole order from its store's shelf (the sale's allotment there
    first, if it has one), never split. A store short of it whose profile allows transfers
    takes it from the first DC along the strategy chain that has the whole order, sent to the
    store (``transfer_to``); else the order waits at the store for stock."""
    store = need.pickup
    assert store is not None
    available = ctx.available
    if available.of(need, store) >= need.quantity:
        part = Part(store, need.quantity, available.take(need, store, need.quantity))
        return Decision(need, (part,))
    most = max(0, available.of(need, store))
    reason = f"pickup store {store} has {most} of {need.sku}, not {need.quantity}"
    if store not in ctx.stores.by_transfer:
        return Decision(need, (), reason)
    dc = transfer_source(need, ctx)
    if dc is None:
        return Decision(need, (), f"{reason}, nor has any distribution centre to send it")
    part = Part(dc, need.quantity, available.take(need, dc, need.quantity))
    return Decision(need, (part,), transfer_to=store)


def transfer_source(need: Need, ctx: Context) -> str | None:
    """The DC a pickup's transfer leaves from: the first along the market's strategy chain
    with the whole order (a transfer is one parcel, never split); never a store."""
    dcs = set(ctx.dc_codes)
    for strategy in chain_from(ctx.settings.strategy):
        for code in STRATEGIES[strategy](need, ctx):
            if code in dcs and ctx.available.of(need, code) >= need.quantity:
                return code
    return None


def decide_all(needs: Sequence[Need], ctx: Context) -> list[Decision]:
    return [decide(need, ctx) for need in needs]
