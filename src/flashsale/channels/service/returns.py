"""A partner's cancellations and returns, from its report (channels/domain/returns.py): read
off the event loop, applied in the file's order in chunks of a thousand, each one transaction.

Idempotent per (channel, order id, line id, kind): the same report sent again is all duplicates
and changes nothing. A cancellation gives the line's units back to its pool (its fulfilment
order, if not yet picked, is cancelled in the same transaction); a return takes the unit back
in at the line's location, or writes it off when damaged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from flashsale.channels.domain.return_parsing import ReturnFormat, read_returns
from flashsale.channels.domain.return_planning import ReturnContext, plan_returns
from flashsale.channels.ports import ChannelRepository
from flashsale.channels.service.catalogue import ChannelBook
from flashsale.channels.service.pools import require_partner
from flashsale.kernel.clock import Clock
from flashsale.kernel.ids import new_id

CHUNK_RETURNS = 1_000
MAX_REJECTED_SHOWN = 10_000


@dataclass(frozen=True, slots=True)
class ReturnsResult:
    channel: str
    batch: str
    applied: int  # stored and done: released, restocked, written off, or recorded
    duplicates: int
    passed_over: int  # entries that are no cancellation or return yet
    rejected_total: int
    rejected: list[tuple[int, str]]  # (line, problem), by line, the first MAX_REJECTED_SHOWN


class PartnerReturns:
    def __init__(
        self,
        store: ChannelRepository,
        book: ChannelBook,
        clock: Clock,
        chunk: int = CHUNK_RETURNS,
    ) -> None:
        self._store = store
        self._book = book
        self._clock = clock
        self._chunk = chunk

    async def run(self, code: str, data: bytes, kind: ReturnFormat) -> ReturnsResult:
        """``UnreadableImport`` (nothing written) when no entry of the file can be read."""
        channel = await self._book.get(code)
        require_partner(channel)
        market = await self._book.market_of(channel)
        parsed = await asyncio.to_thread(read_returns, data, kind)
        batch = new_id("rtn")
        planner = partial(
            plan_returns,
            context=ReturnContext(
                channel.code,
                ZoneInfo(market.timezone),
                self._clock.now(),
                batch,
                partial(new_id, "chr"),
            ),
        )
        applied = duplicates = 0
        rejected = list(parsed.problems)
        returns = parsed.returns
        for start in range(0, len(returns), self._chunk):
            plan = await self._store.channel_returns_chunk(
                channel.code, returns[start : start + self._chunk], planner
            )
            applied += plan.applied
            duplicates += plan.duplicates
            rejected.extend(plan.rejected)
        rejected.sort()
        return ReturnsResult(
            channel.code, batch, applied, duplicates, parsed.passed_over, len(rejected),
            rejected[:MAX_REJECTED_SHOWN],
        )  # fmt: skip
