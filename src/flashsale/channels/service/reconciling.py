"""Reconciling a partner over market-local days."""

from __future__ import annotations

from datetime import date, timedelta

from flashsale.channels.domain.reconciliation import Reconciliation
from flashsale.channels.ports import ChannelRepository
from flashsale.channels.service.catalogue import ChannelBook
from flashsale.kernel.errors import InvalidInput

MAX_DAYS = 366


class Reconciler:
    def __init__(self, store: ChannelRepository, book: ChannelBook) -> None:
        self._store = store
        self._book = book

    async def run(self, code: str, start: date, end: date) -> Reconciliation:
        if end < start:
            raise InvalidInput("to: the last day comes on or after the first (from)")
        if end - start > timedelta(days=MAX_DAYS):
            raise InvalidInput(f"at most {MAX_DAYS} days at a time")
        channel = await self._book.get(code)
        rows = await self._store.channel_reconciliation(channel.code, start, end)
        return Reconciliation(channel.code, start, end, tuple(rows))
