"""Which door a unit left by, or came back through (the stock audit's doors,
inventory/domain/doors.py), from what the record keeps of it:

- a till's sale ships with its receipt as the ledger's reference (``pos:MH-BLR-000042``), a till's
  return comes back as ``pos-return:…``;
- every other unit leaves by a fulfilment order: a partner's line (source_kind ``partner``), or an
  order of ours, collected at a store (click & collect) or delivered home (the web);
- a web order's return comes back as ``return …`` (fulfilment's returns), a partner's as
  ``partner-return:…`` (channels/domain/returns.py).

The prefixes are the writers' (``stores.domain.sale.PosSale.reference``,
``stores.domain.returns.PosReturn.reference``, ``fulfilment.service.returns``): a unit test holds
them to it, since channels may not import their siblings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flashsale.fulfilment.domain.order import SourceKind
from flashsale.inventory.domain.doors import Door, DoorCount
from flashsale.inventory.domain.location import LocationKind

POS_SALE = "pos:"
POS_RETURN = "pos-return:"
WEB_RETURN = "return "
PARTNER_RETURN = "partner-return:"
PARTNER_CANCEL = "partner-cancel:"
# The fulfilment statuses of units that have left the building.
LEFT = ("shipped", "delivered")

RETURN_DOORS = ((POS_RETURN, Door.STORES), (WEB_RETURN, Door.WEB), (PARTNER_RETURN, Door.PARTNERS))


def return_door(reference: str) -> Door:
    for prefix, door in RETURN_DOORS:
        if reference.startswith(prefix):
            return door
    return Door.UNKNOWN


def fulfilment_door(source_kind: SourceKind, location_kind: LocationKind | None) -> Door:
    if source_kind is SourceKind.PARTNER:
        return Door.PARTNERS
    if location_kind is LocationKind.STORE:
        return Door.CLICK_AND_COLLECT
    return Door.WEB


def door_counts(
    till_sales: Iterable[tuple[str, int]],
    returns: Iterable[tuple[str, Door, int]],
    fulfilled: Iterable[tuple[str, SourceKind, LocationKind | None, int]],
) -> list[DoorCount]:
    """Per SKU and door, by SKU then door: ``till_sales`` (sku, units that left by a till),
    ``returns`` (sku, door, units back), ``fulfilled`` (sku, source kind, the location's kind,
    units of fulfilment orders that have left)."""
    sums: dict[tuple[str, Door], list[int]] = defaultdict(lambda: [0, 0])
    for sku, units in till_sales:
        sums[sku, Door.STORES][0] += units
    for sku, source, location_kind, units in fulfilled:
        sums[sku, fulfilment_door(source, location_kind)][0] += units
    for sku, door, units in returns:
        sums[sku, door][1] += units
    order = list(Door)
    return [
        DoorCount(sku, door, shipped, returned)
        for (sku, door), (shipped, returned) in sorted(
            sums.items(), key=lambda item: (item[0][0], order.index(item[0][1]))
        )
        if shipped or returned
    ]
