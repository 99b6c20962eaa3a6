"""The delivery worker: the fan-out and the deliverers, looping until cancelled.

It runs inside ``flashsale serve`` on the embedded default (at a trickle while the server
sells: service/pace.py) and as ``flashsale worker --webhooks`` when scaled out. A round that
fans out events wakes this process's deliverers at once; deliveries due later (retries), and
those another process fanned out, wait at most a poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from flashsale.kernel.pace import Pace
from flashsale.webhooks.ports import WebhookSender
from flashsale.webhooks.service.deliverer import Deliverer
from flashsale.webhooks.service.dispatcher import Dispatcher

DEFAULT_POLL_SECONDS = 1.0
BUSY_EVENTS = 256  # fanned out a poll while a sale sells fast (kernel/pace.py)
BUSY_DELIVERIES = 64  # delivered a poll then

log = logging.getLogger(__name__)


class WebhookWorker:
    def __init__(
        self,
        dispatcher: Dispatcher,
        deliverer: Deliverer,
        sender: WebhookSender,
        *,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        pace: Pace | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.deliverer = deliverer
        self._sender = sender
        self._poll = poll_seconds
        self._pace = pace or Pace()
        self._due = asyncio.Event()

    async def run_forever(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._fan_out_forever())
            group.create_task(self._deliver_forever())

    async def _fan_out_forever(self) -> None:
        while True:
            try:
                if self._pace.busy():
                    await self.dispatcher.dispatch(BUSY_EVENTS)
                else:
                    fanned = await self.dispatcher.dispatch(keep_going=self._quiet)
                    if fanned.deliveries:
                        self._due.set()
            except Exception:  # the record is away: the feed and the cursor wait in it
                log.exception("webhook fan-out round failed")
            await asyncio.sleep(self._poll)

    async def _deliver_forever(self) -> None:
        while True:
            self._due.clear()
            try:
                if self._pace.busy():
                    await self.deliverer.deliver_some(BUSY_DELIVERIES)
                else:
                    await self.deliverer.deliver_due(keep_going=self._quiet)
            except Exception:  # claimed deliveries come back when their lease runs out
                log.exception("webhook delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._due.wait(), self._poll)

    def _quiet(self) -> bool:
        # Asked between batches: a sale that starts mid-catch-up is yielded to at once.
        return not self._pace.busy()

    async def close(self) -> None:
        await self._sender.close()
