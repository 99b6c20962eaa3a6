"""A ``MarketplaceClient`` that sends nothing and remembers what it was given: the partners'
APIs are not reachable from here (and never from tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flashsale.kernel.ids import new_id


@dataclass(frozen=True, slots=True)
class SentFeed:
    id: str
    channel: str
    kind: str
    document: Any


@dataclass
class RecordingMarketplaceClient:
    sent: list[SentFeed] = field(default_factory=list)

    async def submit_feed(self, channel: str, kind: str, documents: list[Any]) -> list[str]:
        ids = []
        for document in documents:
            sent = SentFeed(new_id("feed"), channel, kind, document)
            self.sent.append(sent)
            ids.append(sent.id)
        return ids
