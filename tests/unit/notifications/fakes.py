"""A mail transport that records what it was handed and answers as it is told."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from flashsale.notifications.domain.outbox import DeliveryError, OutboxMail


@dataclass
class FakeTransport:
    refusals: dict[str, DeliveryError] = field(default_factory=dict)  # by recipient
    broken: Exception | None = None
    batches: list[list[OutboxMail]] = field(default_factory=list)
    handed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def accepted(self) -> list[str]:
        return [m.to for batch in self.batches for m in batch if m.to not in self.refusals]

    async def send_mails(self, mails: Sequence[OutboxMail]) -> dict[str, DeliveryError]:
        self.batches.append(list(mails))
        self.handed.set()
        if self.broken is not None:
            raise self.broken
        return {m.id: self.refusals[m.to] for m in mails if m.to in self.refusals}
