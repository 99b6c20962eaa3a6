"""Relaying the order event feed to a broker: batch by batch, in feed order, at least once.

A step reads a page after the relay's stored cursor, publishes it, and moves the cursor only once
the broker has acknowledged the whole page, by compare-and-set on the cursor it read. A process
that dies anywhere before that move publishes the page again when it starts over, with the same
message ids: JetStream drops the copies it saw within its duplicate window, a RabbitMQ consumer
dedupes by message_id. One process per relay name publishes (``Leadership``); should two ever
overlap (a leader losing its lock mid-page), the compare-and-set lets one of them move the
cursor and sends the other back to read it, so the cursor never goes back nor skips a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Protocol

from flashsale.kernel.clock import Clock
from flashsale.orders.domain.events import EventCursor
from flashsale.orders.service.events import MAX_PAGE, OrderEvents
from flashsale.platform.leadership import Leadership
from flashsale.relay.domain.messages import message_of
from flashsale.relay.ports import Publisher, RelayCursorRepository

log = logging.getLogger(__name__)


@dataclass
class RelayProgress:
    published: int = 0  # events the broker acknowledged since this process started
    batches: int = 0
    last_event_id: str | None = None
    cursor: str | None = None  # after the last acknowledged event; None: not read yet


class RelayWatcher(Protocol):
    """Told what the relay does, to show it (the command prints, the default logs)."""

    def published(self, events: int, progress: RelayProgress) -> None: ...

    def caught_up(self, progress: RelayProgress, idle: bool) -> None:
        """After every read that found less than a batch; ``idle``: it found nothing."""
        ...

    def failed(self, error: Exception, retry_in: float) -> None: ...

    def standing_by(self, role: str) -> None: ...


class LoggingWatcher:
    def __init__(self) -> None:
        self._told = 0

    def published(self, events: int, progress: RelayProgress) -> None:
        log.debug("published %d events up to %s", events, progress.last_event_id)

    def caught_up(self, progress: RelayProgress, idle: bool) -> None:
        if idle and progress.published != self._told:
            self._told = progress.published
            log.info("caught up: %d events published so far", progress.published)

    def failed(self, error: Exception, retry_in: float) -> None:
        log.warning("relay failed, retrying in %.1f s: %s", retry_in, error)

    def standing_by(self, role: str) -> None:
        log.info("another process holds %s: standing by", role)


class CursorMoved(Exception):
    """Another process moved this relay's cursor since it was read."""


@dataclass(frozen=True, slots=True)
class RelayTiming:
    poll_seconds: float = 0.5  # between reads of a feed that had nothing new
    standby_seconds: float = 2.0  # between tries at leading, while another process leads
    first_retry_seconds: float = 0.5  # after a failure, doubling up to the next
    max_retry_seconds: float = 30.0


class Relay:
    def __init__(
        self,
        name: str,
        events: OrderEvents,
        cursors: RelayCursorRepository,
        publisher: Publisher,
        leadership: Leadership,
        clock: Clock,
        *,
        batch: int = 500,
        timing: RelayTiming | None = None,
        watcher: RelayWatcher | None = None,
    ) -> None:
        if not 1 <= batch <= MAX_PAGE:
            raise ValueError(f"a relay's batch is 1 to {MAX_PAGE} events")
        self.name = name
        self._events = events
        self._cursors = cursors
        self._publisher = publisher
        self._leadership = leadership
        self._clock = clock
        self._batch = batch
        self._timing = timing or RelayTiming()
        self._watcher: RelayWatcher = watcher or LoggingWatcher()
        self.progress = RelayProgress()
        self._cursor_known = False  # False: read the stored cursor before the next page

    @property
    def role(self) -> str:
        """The leadership role: one process publishes per relay name."""
        return f"relay:{self.name}"

    async def begin(self, from_now: bool) -> tuple[str, bool]:
        """Where the relay starts: its stored cursor (True: it resumes), else the feed's
        beginning or, ``from_now``, its end, stored as the relay's first cursor."""
        stored = await self._cursors.relay_cursor(self.name)
        if stored is not None:
            return stored, True
        start = await self._feed_end() if from_now else str(EventCursor())
        if await self._cursors.move_relay_cursor(self.name, None, start, self._clock.now()):
            return start, False
        return await self.begin(from_now)  # another process began it first: resume there

    async def _feed_end(self) -> str:
        after: str | None = None
        while True:
            page = await self._events.read(after, MAX_PAGE)
            after = str(page.next_cursor)
            if not page.events:
                return after

    async def step(self) -> int:
        """Publish the next page of the feed; the number of events the broker acknowledged."""
        if not self._cursor_known:
            self.progress.cursor = await self._cursors.relay_cursor(self.name)
            self._cursor_known = True
        after = self.progress.cursor
        page = await self._events.read(after, self._batch)
        if not page.events:
            return 0
        await self._publisher.publish([message_of(event) for event in page.events])
        moved_to = str(page.next_cursor)
        if not await self._cursors.move_relay_cursor(self.name, after, moved_to, self._clock.now()):
            self._cursor_known = False
            raise CursorMoved(f"another process moved the cursor of relay {self.name!r}")
        self.progress.cursor = moved_to
        self.progress.published += len(page.events)
        self.progress.batches += 1
        self.progress.last_event_id = page.events[-1].id
        self._watcher.published(len(page.events), self.progress)
        return len(page.events)

    async def run(self, stopping: asyncio.Event) -> RelayProgress:
        """Relay until ``stopping`` is set, which is looked at between pages: a page in flight
        is finished (or fails) first."""
        timing, retry_in = self._timing, 0.0
        leading: bool | None = None
        while not stopping.is_set():
            try:
                if not await self._leadership.leads(self.role):
                    if leading is not False:
                        self._watcher.standing_by(self.role)
                    leading, self._cursor_known = False, False
                    await _pause(stopping, timing.standby_seconds)
                    continue
                if not leading:
                    await self._publisher.connect()
                    leading = True
                published = await self.step()
            except Exception as exc:  # the page is re-read from the stored cursor and retried
                self._cursor_known = False
                retry_in = min(
                    max(retry_in * 2, timing.first_retry_seconds), timing.max_retry_seconds
                )
                self._watcher.failed(exc, retry_in)
                await _pause(stopping, retry_in)
                continue
            retry_in = 0.0
            if published == self._batch:
                continue  # there may be more: read on at once
            self._watcher.caught_up(self.progress, idle=published == 0)
            await _pause(stopping, timing.poll_seconds)
        return self.progress


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
