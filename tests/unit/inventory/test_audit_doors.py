"""The stock audit's accounting per SKU (inventory/domain/audit.py): received = every door's
units sold + in pools + on hand + written off, the doors held to the ledger's ship and return
moves, one SKU at a time when asked."""

from __future__ import annotations

from flashsale.inventory.domain.audit import LedgerSum, audit
from flashsale.inventory.domain.doors import Door, DoorCount
from flashsale.inventory.domain.stock import MoveKind, StockLevel

SKU = "MIBAND2-BLK"
K = MoveKind


def ledger() -> list[LedgerSum]:
    """DC-BLR received 100, shipped 30 (20 web, 10 partners), 4 came back of which 1 written
    off; MH-BLR received 10, a till sold 3."""
    return [
        LedgerSum("DC-BLR", SKU, K.RECEIPT, 100, 0),
        LedgerSum("DC-BLR", SKU, K.ALLOCATE, 0, 35),
        LedgerSum("DC-BLR", SKU, K.SHIP, -30, -30),
        LedgerSum("DC-BLR", SKU, K.RETURN_RECEIPT, 4, 0),
        LedgerSum("DC-BLR", SKU, K.WRITE_OFF, -1, 0),
        LedgerSum("MH-BLR", SKU, K.RECEIPT, 10, 0),
        LedgerSum("MH-BLR", SKU, K.SHIP, -3, 0),
        LedgerSum("MH-BLR", "MIPB-10000-SLV", K.RECEIPT, 5, 0),
    ]


LEVELS = [
    StockLevel("DC-BLR", SKU, 73, 5, 20),
    StockLevel("MH-BLR", SKU, 7, 0, 0),
    StockLevel("MH-BLR", "MIPB-10000-SLV", 5, 0, 0),
]
DOORS = [
    DoorCount(SKU, Door.PARTNERS, 10, 1),
    DoorCount(SKU, Door.WEB, 20, 3),
    DoorCount(SKU, Door.STORES, 3, 0),
]
POOLS = {("DC-BLR", SKU): 20}


def test_every_unit_received_is_accounted_for_door_by_door() -> None:
    found = audit(LEVELS, ledger(), {("DC-BLR", SKU): 5}, POOLS, pools=POOLS, doors=DOORS)
    assert found.clean, [d.describe() for d in found.discrepancies]
    band, bank = found.stock
    assert band.sku == SKU and bank.sku == "MIPB-10000-SLV"
    assert [d.door for d in band.doors] == [Door.WEB, Door.STORES, Door.PARTNERS]
    assert [d.sold for d in band.doors] == [17, 3, 9]
    assert (band.received, band.in_pools, band.on_hand, band.written_off) == (110, 20, 60, 1)
    assert band.accounted == 110 and band.balanced
    assert (bank.received, bank.doors, bank.on_hand) == (5, (), 5)


def test_doors_that_do_not_account_for_the_ledger_are_discrepancies() -> None:
    short = [DoorCount(SKU, Door.WEB, 19, 3), DOORS[0], DOORS[2]]  # a web unit untold
    found = audit(LEVELS, ledger(), {("DC-BLR", SKU): 5}, POOLS, pools=POOLS, doors=short)
    assert {(d.check, d.expected, d.found) for d in found.discrepancies} == {
        ("doors-shipped", 33, 32),
        ("received", 110, 109),
    }
    unknown = [*short, DoorCount(SKU, Door.UNKNOWN, 1, 0)]  # told, by no door we know
    found = audit(LEVELS, ledger(), {("DC-BLR", SKU): 5}, POOLS, pools=POOLS, doors=unknown)
    assert {(d.check, d.expected, d.found) for d in found.discrepancies} == {("door-unknown", 0, 1)}


def test_one_sku_is_audited_alone_and_a_drifted_level_unbalances_it() -> None:
    drifted = [StockLevel("DC-BLR", SKU, 74, 5, 20), *LEVELS[1:]]
    found = audit(drifted, ledger(), {("DC-BLR", SKU): 5}, POOLS, pools=POOLS, doors=DOORS,
                  sku=SKU)  # fmt: skip
    (band,) = found.stock
    assert found.skus == 1 and found.levels == 2
    assert not band.balanced and band.accounted == band.received + 1
    assert {d.check for d in found.discrepancies} == {"ledger-on-hand", "sku-balance", "received"}


def test_without_a_door_ledger_every_unit_that_left_counts_under_all_doors() -> None:
    found = audit(LEVELS, ledger(), {("DC-BLR", SKU): 5}, POOLS, pools=POOLS)
    band = found.stock[0]
    assert found.clean and band.doors == (DoorCount(SKU, Door.ALL, 33, 4),)
