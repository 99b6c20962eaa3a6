"""Importing partners' reports on the memory record: each line once, decided in purchase order
whatever order the file is in, a pool never consumed past its units, the oversell rejected and
reconciled, and everything an imported line moves moved with it."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.domain.parsing import ImportFormat
from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.errors import UnreadableImport
from flashsale.fulfilment.domain.order import SourceKind
from flashsale.inventory.domain.stock import MoveKind
from flashsale.kernel.errors import InvalidInput
from tests.unit.channels.conftest import BAND, BAND_ORANGE, T0, Partner, partner_world

HEADER = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency\tship-state"
AMAZON = ImportFormat.AMAZON_FLATFILE


def rows(count: int, sku: str = BAND, first: int = 0) -> list[str]:
    return [
        f"402-{n:07d}\t{n}\t{(T0 + timedelta(minutes=n)).isoformat()}\t{sku}\t1\tINR\tKarnataka"
        for n in range(first, first + count)
    ]


def report(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


async def state(p: Partner) -> dict[str, Any]:
    """Everything an import may change, without the ids it draws."""
    lines = sorted(
        (x.order_id, x.line_id, x.status.value, x.problem, x.location, x.quantity, x.day)
        for x in p.store._channel_lines.values()
    )
    fos = sorted(
        (fo.source_kind.value, fo.sku, fo.quantity, fo.location, fo.status.value, fo.paid_at)
        for fo in p.store._fulfilment.values()
    )
    moves = sorted((m.location, m.sku, m.kind.value, m.allocated_change) for m in p.store._moves)
    return {
        "pools": await p.store.pool_all(),
        "levels": await p.store.stock_levels(),
        "lines": lines,
        "fulfilment": fos,
        "moves": moves,
    }


async def test_a_report_imported_twice_is_all_duplicates_the_second_time(partner: Partner) -> None:
    await partner.channels.pools.put("AMAZON_IN", [PoolTarget("DC-BLR", BAND, 5)])
    data = report(rows(7))
    first = await partner.channels.imports.run("AMAZON_IN", data, AMAZON)
    assert (first.imported, first.duplicates, first.rejected_total) == (5, 0, 2)
    assert first.rejected == [(7, "pool-exhausted"), (8, "pool-exhausted")]
    before = await state(partner)
    second = await partner.channels.imports.run("AMAZON_IN", data, AMAZON)
    assert (second.imported, second.duplicates, second.rejected) == (0, 7, [])
    assert await state(partner) == before
    fos = list(partner.store._fulfilment.values())
    assert {(fo.source_kind, fo.location, fo.region) for fo in fos} == {
        (SourceKind.PARTNER, "DC-BLR", "IN-KA")
    }
    lines = {x.id: x for x in partner.store._channel_lines.values()}
    assert all(lines[fo.source_id].fulfilment_order_id == fo.id for fo in fos)


async def test_a_shuffled_report_leaves_the_same_state() -> None:
    # Orange bands bought later, listed backwards; a line sent twice with another
    # SKU (the first in decision order is kept) and a line that cannot be read.
    lines = rows(30) + rows(5, BAND_ORANGE, first=100)[::-1] + rows(1, BAND_ORANGE, first=3)
    lines.append("402-x\t1\tnonsense\tX\t1\tINR\tKA")
    shuffled = lines[:]
    random.Random(19).shuffle(shuffled)
    states = []
    for order in (lines, shuffled):
        p = await partner_world()
        await p.channels.pools.put(
            "AMAZON_IN",
            [PoolTarget("DC-BLR", BAND, 6), PoolTarget("DC-GGN", BAND, 4),
             PoolTarget("DC-GGN", BAND_ORANGE, 2)],
        )  # fmt: skip
        # Chunks of 7 lines: the decision order holds across transactions too.
        p.channels.imports._chunk = 7
        await p.channels.imports.run("AMAZON_IN", report(order), AMAZON)
        states.append(await state(p))
    assert states[0] == states[1]
    consumed = {(x.location, x.sku): x.consumed for x in states[0]["pools"]}
    assert consumed == {("DC-BLR", BAND): 6, ("DC-GGN", BAND): 4, ("DC-GGN", BAND_ORANGE): 2}
    # The earliest purchases got the units: lines 0-9 in, 10-29 rejected.
    imported = sorted(int(x[1]) for x in states[0]["lines"] if x[2] == "imported" and x[5] == 1)
    assert imported[:10] == list(range(10))


async def test_an_imported_line_moves_committed_to_allocated_with_its_ledger_move(
    partner: Partner,
) -> None:
    await partner.channels.pools.put("AMAZON_IN", [PoolTarget("DC-BLR", BAND, 4)])
    (level,) = await partner.store.stock_levels("DC-BLR", BAND)
    assert (level.on_hand, level.allocated, level.committed) == (10, 0, 4)
    await partner.channels.imports.run("AMAZON_IN", report(rows(3)), AMAZON)
    (level,) = await partner.store.stock_levels("DC-BLR", BAND)
    assert (level.on_hand, level.allocated, level.committed) == (10, 3, 1)
    (move,) = await partner.store.moves("DC-BLR", BAND, limit=1)
    assert (move.kind, move.on_hand_change, move.allocated_change) == (MoveKind.ALLOCATE, 0, 3)
    assert (await partner.store.open_allocations())[("DC-BLR", BAND)] == 3


async def test_unknown_skus_and_other_currencies_are_rejected_line_by_line(
    partner: Partner,
) -> None:
    await partner.channels.pools.put("AMAZON_IN", [PoolTarget("DC-BLR", BAND, 4)])
    lines = [
        f"402-1\t1\t{T0.isoformat()}\tNOPE\t1\tINR\tKA",
        f"402-2\t1\t{T0.isoformat()}\t{BAND}\t1\tUSD\tKA",
        f"402-3\t1\t{T0.isoformat()}\t{BAND}\t1\tINR\tKA",
        f"402-4\t1\t{T0.isoformat()}\t{BAND}\t9\tINR\tKA",
    ]
    done = await partner.channels.imports.run("AMAZON_IN", report(lines), AMAZON)
    assert done.imported == 1
    assert done.rejected == [(2, "unknown-sku"), (3, "wrong-currency"), (5, "pool-exhausted")]


async def test_nothing_readable_is_refused_and_writes_nothing(partner: Partner) -> None:
    with pytest.raises(UnreadableImport):
        await partner.channels.imports.run(
            "AMAZON_IN", report(["402\t1\tnever\tX\t1\tINR\tK"]), AMAZON
        )
    assert partner.store._channel_lines == {}
    web = await partner.channels.book.ensure_web("IN")
    with pytest.raises(InvalidInput):  # a web channel takes no partner reports
        await partner.channels.imports.run(web.code, report(rows(1)), AMAZON)


async def test_reconciliation_flags_the_partners_oversell(partner: Partner) -> None:
    await partner.channels.pools.put("AMAZON_IN", [PoolTarget("DC-BLR", BAND, 2)])
    await partner.channels.imports.run("AMAZON_IN", report(rows(5)), AMAZON)
    day = (T0 + timedelta(hours=5, minutes=30)).date()
    done = await partner.channels.reconciler.run("AMAZON_IN", day, day)
    (row,) = done.rows
    assert (row.day, row.reported, row.imported, row.consumed, row.rejected) == (day, 5, 2, 2, 3)
    assert done.partner_oversold and done.oversold == 3
    quiet = await partner.channels.reconciler.run("AMAZON_IN", date(2017, 9, 1), date(2017, 9, 2))
    assert not quiet.partner_oversold and quiet.rows == ()
    with pytest.raises(InvalidInput):
        await partner.channels.reconciler.run("AMAZON_IN", day, day - timedelta(days=1))


async def test_channels_sell_in_their_markets_currency(partner: Partner) -> None:
    us = await partner.channels.book.add("AMAZON_US", ChannelKind.MARKETPLACE, "us", "Amazon US")
    assert (us.market_code, us.currency) == ("US", "USD")
    with pytest.raises(InvalidInput):
        await partner.channels.book.put_prices("AMAZON_IN", [(BAND, "999.001")])
    with pytest.raises(InvalidInput):
        await partner.channels.book.put_prices("AMAZON_IN", [("NOPE", "1")])
    (price,) = await partner.channels.book.put_prices("AMAZON_IN", [(BAND, "949.00")])
    assert (str(price.price.amount), price.price.currency) == ("949.00", "INR")
    with pytest.raises(InvalidInput):  # a DC of another market
        await partner.channels.pools.put("AMAZON_US", [PoolTarget("DC-BLR", BAND, 1)])


@pytest.mark.parametrize(("chunk", "window"), [(7, 5), (4, 1_000), (1_000, 9)])
async def test_lines_grouped_by_sku_are_decided_as_in_purchase_order(
    chunk: int, window: int
) -> None:
    # Two SKUs bought alternately, pools that run out: a chunk of some SKUs' lines (each SKU's
    # in purchase order) gives the same units to the same lines as purchase order throughout.
    lines = [line.replace(BAND, BAND_ORANGE) if n % 2 else line for n, line in enumerate(rows(40))]
    states = []
    for size, span in ((1_000, 1), (chunk, window)):
        p = await partner_world()
        await p.channels.pools.put(
            "AMAZON_IN",
            [PoolTarget("DC-BLR", BAND, 6), PoolTarget("DC-GGN", BAND, 3),
             PoolTarget("DC-GGN", BAND_ORANGE, 5)],
        )  # fmt: skip
        p.channels.imports._chunk, p.channels.imports._window = size, span
        done = await p.channels.imports.run("AMAZON_IN", report(lines), AMAZON)
        now = await state(p)
        moved = Counter[tuple[str, str]]()
        for location, sku, _, units in now.pop("moves"):  # a move per SKU and chunk
            moved[location, sku] += units
        states.append((now, moved, done.imported, done.rejected))
    assert states[0] == states[1]
    imported = sorted(int(x[1]) for x in states[0][0]["lines"] if x[2] == "imported")
    assert imported == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16]
