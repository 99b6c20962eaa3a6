"""A subscription: where the shop POSTs which kinds of order event, and the secret it signs
them with.

The secret is kept (every delivery is signed with it) and shown once, when the subscription
is made. A subscription the receiver answered 410 Gone is disabled, with the reason; the
operator enables it again by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.events import OrderEvent, OrderEventKind

ALL_EVENTS = "*"  # every kind, those added later too
MAX_EVENT_NAMES = 32
KNOWN_EVENTS = tuple(kind.value for kind in OrderEventKind)
DISABLED_BY_OPERATOR = "disabled by an operator"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    url: str
    events: tuple[str, ...]  # ("*",), or kinds in OrderEventKind's order
    secret: str  # whsec_…: domain/secret.py
    active: bool
    created_at: datetime
    updated_at: datetime
    disabled_reason: str | None = None  # set while not active

    def wants(self, event: OrderEvent) -> bool:
        """An event this subscription is sent: one of its kinds, from no earlier than it was
        made (a new subscription is not sent the feed's history)."""
        return (
            self.active
            and (self.events == (ALL_EVENTS,) or event.kind.value in self.events)
            and event.at >= self.created_at
        )


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """What a PATCH changes; None leaves a field as it is."""

    url: str | None = None
    events: tuple[str, ...] | None = None
    active: bool | None = None

    @property
    def empty(self) -> bool:
        return self.url is None and self.events is None and self.active is None


def event_names(names: Sequence[str]) -> tuple[str, ...]:
    """The kinds a subscription asks for, checked and in a canonical order; ``*`` is all."""
    if not names:
        raise InvalidInput(f'name at least one event, or "{ALL_EVENTS}" for every one')
    if len(names) > MAX_EVENT_NAMES:
        raise InvalidInput(f"at most {MAX_EVENT_NAMES} event names")
    wanted = set(names)
    if ALL_EVENTS in wanted:
        if len(wanted) > 1:
            raise InvalidInput(f'"{ALL_EVENTS}" means every event: name it alone')
        return (ALL_EVENTS,)
    unknown = sorted(wanted.difference(KNOWN_EVENTS))
    if unknown:
        listed = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise InvalidInput(
            f"no event {listed}; the known ones: {', '.join(KNOWN_EVENTS)} (or {ALL_EVENTS})"
        )
    return tuple(name for name in KNOWN_EVENTS if name in wanted)


def stored_events(events: tuple[str, ...]) -> str:
    return ",".join(events)


def events_of(stored: str) -> tuple[str, ...]:
    return tuple(stored.split(","))
