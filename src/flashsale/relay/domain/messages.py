"""What one event of the feed becomes on a broker."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from flashsale.orders.domain.events import OrderEvent


@dataclass(frozen=True, slots=True)
class RelayMessage:
    id: str  # the event's id, the broker's message id: the same every time it is published
    topic: str  # the event's type (order.paid): the subject's tail, or the routing key
    body: bytes  # the event's payload() as JSON, the shape webhooks carry too


def message_of(event: OrderEvent) -> RelayMessage:
    return RelayMessage(event.id, event.kind.value, orjson.dumps(event.payload()))
