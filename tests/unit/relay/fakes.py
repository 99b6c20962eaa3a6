"""A broker that records what it was handed and fails when told, and a feed to relay."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from flashsale.orders.domain.events import EventCursor
from flashsale.orders.domain.order import OrderStatus
from flashsale.record.store import Store
from flashsale.relay.domain.messages import RelayMessage
from flashsale.relay.ports import PublishFailed
from flashsale.relay.service.relay import RelayProgress
from tests.contract.record_world import T0, order, payment_for, world


async def feed_of(store: Store, orders: int) -> list[str]:
    """A feed of ``orders`` reservations, every third one paid and the next one expired; the
    ids of its events in feed order."""
    await world(store, customers=orders)
    placed = [order(f"ord_{n:04d}", n) for n in range(1, orders + 1)]
    await store.insert_orders(placed)
    paid = [payment_for(o, T0 + timedelta(seconds=1)) for o in placed[::3]]
    await store.mark_paid(paid)
    expired = [o.id for o in placed[1::3]]
    await store.close_orders(expired, OrderStatus.EXPIRED, T0 + timedelta(hours=1))
    page = await store.read_order_events(EventCursor(), 1000)
    return [event.id for event in page.events]


@dataclass
class FakeBroker:
    """Stores what it is handed; told to, it stores the first ``fail_after`` messages of the
    next batch and then fails, as a broker that went away mid-batch."""

    stored: list[RelayMessage] = field(default_factory=list)
    batches: list[list[str]] = field(default_factory=list)  # the ids of every batch handed
    fail_after: list[int] = field(default_factory=list)
    connects: int = 0
    closed: bool = False
    hold: asyncio.Event | None = None  # set: publishing waits for it before acknowledging
    handed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.stored]

    async def connect(self) -> None:
        self.connects += 1

    async def publish(self, messages: Sequence[RelayMessage]) -> None:
        self.batches.append([m.id for m in messages])
        self.handed.set()
        if self.fail_after:
            stored = self.fail_after.pop(0)
            self.stored += messages[:stored]
            raise PublishFailed(f"went away after {stored} messages")
        if self.hold is not None:
            await self.hold.wait()
        self.stored += messages

    async def close(self) -> None:
        self.closed = True


@dataclass
class RecordingWatcher:
    published_counts: list[int] = field(default_factory=list)
    idle_at: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    standing_by_roles: list[str] = field(default_factory=list)

    def published(self, events: int, progress: RelayProgress) -> None:
        self.published_counts.append(events)

    def caught_up(self, progress: RelayProgress, idle: bool) -> None:
        if idle:
            self.idle_at.append(progress.published)

    def failed(self, error: Exception, retry_in: float) -> None:
        self.failures.append(str(error))

    def standing_by(self, role: str) -> None:
        self.standing_by_roles.append(role)


@dataclass
class SwitchedLeadership:
    leading: bool = True

    async def leads(self, role: str) -> bool:
        return self.leading

    async def close(self) -> None:
        return None


def first_copies(ids: list[str]) -> list[str]:
    """What a consumer that dedupes by message id keeps: each id's first arrival."""
    return list(dict.fromkeys(ids))
