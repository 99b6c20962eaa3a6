"""The import's shortcuts change no outcome, on SQLite and PostgreSQL: a report whose stored
lines a sample of its keys misses still counts them duplicates (the chunk finds them when its
fresh lines meet the primary key, goes back to its savepoint and decides again), and the flat
file's keys read at once by a regular expression are those read line by line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from flashsale.channels.domain.parsing import FileContext, ImportFormat, read_report
from flashsale.channels.service import imports
from flashsale.platform.sql.migrate import upgrade_database
from tests.contract.conftest import migrated_postgres_database
from tests.contract.record_world import T0
from tests.integration.test_channel_race import HEADER, ON_HAND, POOL, SKU, channels_on, stores

AMAZON = ImportFormat.AMAZON_FLATFILE


def line(n: int) -> str:
    return f"402-{n:04d}\t{n % 3}\t{(T0 + timedelta(seconds=n)).isoformat()}\t{SKU}\t1\tINR"


def file_of(numbers: list[int]) -> bytes:
    return ("\n".join([HEADER, *(line(n) for n in numbers)]) + "\n").encode()


async def stored_lines_missed_by_the_sample(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "SAMPLE_KEYS", 3)
    async with stores(url, separate=False) as (store, *_):
        channels = channels_on(store)  # chunks of 7
        # Lines 5 to 14 stored first: the sample (the file's lines 0, 20, 40 and 59) finds none.
        first = await channels.imports.run("AMAZON_IN", file_of(list(range(5, 15))), AMAZON)
        assert (first.imported, first.duplicates) == (10, 0)
        full = await channels.imports.run("AMAZON_IN", file_of(list(range(60))), AMAZON)
        assert (full.imported, full.duplicates, full.rejected_total) == (POOL - 10, 10, 20)
        (pool,) = await store.pools("AMAZON_IN")
        assert (pool.units, pool.consumed) == (POOL, POOL)
        (level,) = await store.stock_levels("DC-BLR", SKU)
        assert (level.on_hand, level.allocated, level.committed) == (ON_HAND, POOL, 0)
        fos = await store.fulfilment_orders(location="DC-BLR", limit=1_000)
        # Lines 5 to 14 kept their units, and the earliest of the others got the rest: 0 to 4
        # and 15 to 39.
        paid = sorted(int((fo.paid_at - T0).total_seconds()) for fo in fos)
        assert paid == list(range(40))
        again = await channels.imports.run("AMAZON_IN", file_of(list(range(60))), AMAZON)
        assert (again.imported, again.duplicates) == (0, 60)


async def test_stored_lines_the_sample_missed_are_duplicates_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    await stored_lines_missed_by_the_sample(url, monkeypatch)


async def test_stored_lines_the_sample_missed_are_duplicates_on_postgres(
    postgres_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        await stored_lines_missed_by_the_sample(url, monkeypatch)


def _read(text: str) -> tuple[object, object, list[tuple[object, ...]], object]:
    report = read_report(text.encode(), AMAZON, FileContext("IN", "INR"))
    parsed = report.lines()
    return report.keys, report.numbers, [tuple(x) for x in parsed.lines], parsed.problems


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_keys_read_at_once_are_those_read_line_by_line(end: str) -> None:
    whole = end.join([HEADER, line(1), line(2), line(3)]) + end
    # A padded key and a blank line send the file down the line-by-line path.
    padded = end.join([HEADER, " " + line(1), "", line(2), line(3) + "\t", line(3)]) + end
    keys, numbers, lines, problems = _read(whole)
    assert keys == [("402-0001", "1"), ("402-0002", "2"), ("402-0003", "0")]
    assert (numbers, problems) == ([2, 3, 4], [])
    slow_keys, slow_numbers, slow_lines, slow_problems = _read(padded)
    assert slow_keys == keys
    assert slow_numbers == [2, 4, 6]
    assert slow_problems == [(5, "7 columns, the header names 6")]
    assert [x[1:] for x in slow_lines] == [x[1:] for x in lines]  # the same but their numbers


def test_key_columns_after_the_others_and_in_either_order() -> None:
    text = "sku\tquantity-purchased\tpurchase-date\torder-item-id\torder-id\nB\t1\t{}\t7\t402-9\n"
    report = read_report(text.format(T0.isoformat()).encode(), AMAZON, FileContext("IN", "INR"))
    assert report.keys == [("402-9", "7")]
    assert report.lines().lines[0].order_id == "402-9"
