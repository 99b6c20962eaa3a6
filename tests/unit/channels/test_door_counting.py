"""Which door each unit left by (channels/domain/door_counting.py): a till's sales by their
receipts, the rest by their fulfilment orders' source and location, returns by their
references."""

from __future__ import annotations

from flashsale.channels.domain.door_counting import door_counts
from flashsale.fulfilment.domain.order import SourceKind
from flashsale.inventory.domain.doors import Door, DoorCount
from flashsale.inventory.domain.location import LocationKind

BAND, BANK = "MIBAND2-BLK", "MIPB-10000-SLV"


def test_every_door_is_told_apart_and_listed_by_sku_then_door() -> None:
    counts = door_counts(
        till_sales=[(BAND, 3), (BANK, 1)],
        returns=[(BAND, Door.STORES, 1), (BAND, Door.PARTNERS, 2), (BAND, Door.UNKNOWN, 1)],
        fulfilled=[
            (BAND, SourceKind.ORDER, LocationKind.DC, 20),  # delivered home
            (BAND, SourceKind.ORDER, LocationKind.STORE, 4),  # collected at a store
            (BAND, SourceKind.PICKUP, LocationKind.STORE, 1),
            (BAND, SourceKind.PARTNER, LocationKind.DC, 7),
            (BAND, SourceKind.PARTNER, LocationKind.STORE, 2),  # a store's pool ships too
            (BANK, SourceKind.ORDER, None, 5),  # a location no longer known: the web's
        ],
    )
    assert counts == [
        DoorCount(BAND, Door.WEB, 20, 0),
        DoorCount(BAND, Door.CLICK_AND_COLLECT, 5, 0),
        DoorCount(BAND, Door.STORES, 3, 1),
        DoorCount(BAND, Door.PARTNERS, 9, 2),
        DoorCount(BAND, Door.UNKNOWN, 0, 1),
        DoorCount(BANK, Door.WEB, 5, 0),
        DoorCount(BANK, Door.STORES, 1, 0),
    ]
    assert [c.sold for c in counts[:4]] == [20, 5, 2, 7]
