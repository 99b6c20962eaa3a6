"""Importing a partner's order report: parsed off the event loop, decided in purchase order,
written in chunks of thousands of lines, each chunk one transaction.

Idempotent per (channel, external order id, line): a line stored before (imported or
rejected) is a duplicate and changes nothing, so a report imported twice, or cut short and
imported again, ends in the same state. The whole file is not one transaction: a million lines
would hold the database for seconds; a chunk commits its lines with everything they moved.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from flashsale.channels.domain.order_line import OrderLine, by_sku, sort_key
from flashsale.channels.domain.parsing import (
    FileContext,
    ImportFormat,
    nothing_readable,
    read_report,
)
from flashsale.channels.domain.planning import ImportContext, plan_chunk
from flashsale.channels.ports import ChannelRepository
from flashsale.channels.service.catalogue import ChannelBook
from flashsale.channels.service.pools import require_partner
from flashsale.kernel.clock import Clock
from flashsale.kernel.ids import new_id

# A chunk writes one ledger move and two guarded updates per SKU it touches, so its lines are
# of as few SKUs as the decision order allows (``unique_in_order``); 20,000 lines hold SQLite's
# writer a few tenths of a second.
CHUNK_LINES = 20_000
# Lines grouped by SKU at a time: a chunk of a 10,000-SKU report then touches about a tenth of
# its SKUs, not all of them, while its rows still land in a fifth of a million lines' span of
# the tables' time-ordered indexes (the whole file's span cost SQLite more in B-tree pages than
# the SKUs saved; benchmarks/channels.py).
WINDOW_LINES = 200_000
SAMPLE_KEYS = 1_000  # keys of a large report looked up first: none stored, it is a new one
MAX_REJECTED_SHOWN = 10_000  # the answer lists this many rejected lines, and counts them all


@dataclass(frozen=True, slots=True)
class ImportResult:
    channel: str
    batch: str
    imported: int
    duplicates: int
    rejected_total: int
    rejected: list[tuple[int, str]]  # (line, problem), by line, the first MAX_REJECTED_SHOWN


def _stem_ids(prefix: str) -> Callable[[], str]:
    """Ids of one import: one time-ordered random stem and a counter (``new_id`` per line
    costs a random draw and a clock read a million times); made in C, a call each."""
    template = new_id(prefix)[:-8] + "{:08x}"
    return map(template.format, itertools.count()).__next__


def unique_in_order(
    lines: list[OrderLine], window: int = WINDOW_LINES
) -> tuple[list[OrderLine], int]:
    """The lines in decision order, each key once (its earliest); and how many repeated one.

    Then each ``window`` of them is grouped by SKU, keeping the decision order within a SKU:
    a line is decided against its SKU's pools alone, so the order between SKUs decides
    nothing, and a chunk of a few SKUs' lines writes a pool, a level and a ledger move for
    each of a few SKUs rather than for every SKU the report names (a chunk of 20,000 lines
    of a 10,000-SKU report in purchase order wrote 10,000 of each)."""
    lines.sort(key=sort_key)
    seen: set[tuple[str, str]] = set()
    kept = []
    for line in lines:
        key = (line.order_id, line.line_id)
        if key not in seen:
            seen.add(key)
            kept.append(line)
    for start in range(0, len(kept), window):
        kept[start : start + window] = sorted(kept[start : start + window], key=by_sku)
    return kept, len(lines) - len(kept)


class OrderImports:
    def __init__(
        self,
        store: ChannelRepository,
        book: ChannelBook,
        clock: Clock,
        chunk: int = CHUNK_LINES,
        window: int = WINDOW_LINES,
    ) -> None:
        self._store = store
        self._book = book
        self._clock = clock
        self._chunk = chunk
        self._window = window

    async def _known(self, channel: str, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """The stored ones of ``keys``, or an empty set when a sample of them finds none
        stored: a new report then pays a thousand look-ups, not one per line. Either is safe: a
        chunk holding a line stored after all finds it out and decides that line a duplicate
        (``channel_import_chunk``); this only spares a report sent again its parsing and its
        write transactions."""
        if len(keys) > SAMPLE_KEYS:
            step = len(keys) / SAMPLE_KEYS
            sample = [keys[int(n * step)] for n in range(SAMPLE_KEYS)] + [keys[-1]]
            if not await self._store.channel_known_lines(channel, sample):
                return set()
        return await self._store.channel_known_lines(channel, keys) if keys else set()

    async def run(self, code: str, data: bytes, kind: ImportFormat) -> ImportResult:
        """``UnreadableImport`` (nothing written) when no line of the file can be read."""
        channel = await self._book.get(code)
        require_partner(channel)
        market = await self._book.market_of(channel)
        context = FileContext(market.code, channel.currency)
        # A million lines take seconds to read: off the event loop, which keeps serving.
        report = await asyncio.to_thread(read_report, data, kind, context)
        keys = [k for k in report.keys if k is not None]
        known = await self._known(channel.code, keys)
        fresh: list[int] | None  # the entries to read (None: every one)
        if not known:
            fresh = None
        elif len(keys) == len(report.keys) and known.issuperset(keys):  # the file again
            fresh = []
        else:
            fresh = [n for n, k in enumerate(report.keys) if k is None or k not in known]
        parsed = await asyncio.to_thread(report.lines, fresh)
        stored_before = 0 if fresh is None else len(report.keys) - len(fresh)
        if not parsed.lines and not stored_before:
            raise nothing_readable(kind, parsed.problems)
        lines, repeated = await asyncio.to_thread(unique_in_order, parsed.lines, self._window)
        batch = new_id("imp")
        stems = _stem_ids("chl"), _stem_ids("fo")
        planner = partial(
            plan_chunk,
            context=ImportContext(
                channel,
                ZoneInfo(market.timezone),
                self._clock.now(),
                f"channel {channel.code} import {batch}",
                stems[0],
                stems[1],
            ),
        )
        imported, duplicates = 0, repeated + stored_before
        rejected = list(parsed.problems)
        for start in range(0, len(lines), self._chunk):
            written = await self._store.channel_import_chunk(
                channel.code, lines[start : start + self._chunk], planner
            )
            imported += written.imported
            duplicates += written.duplicates
            rejected.extend(written.rejected)
        rejected.sort()
        return ImportResult(
            channel.code, batch, imported, duplicates, len(rejected), rejected[:MAX_REJECTED_SHOWN]
        )
