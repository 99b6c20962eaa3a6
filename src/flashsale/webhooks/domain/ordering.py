"""Per order, in feed order: a subscription is never sent an order's later event while an
earlier one of that order is still pending for it (waiting for a retry, or in flight).

A delivered or dead-lettered event no longer holds the later ones back, so one dead event
does not stop an order's story for good. The SQL claim states the same rule as a NOT EXISTS;
this is the rule on its own, for the memory repository and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.delivery import Delivery, DeliveryStatus


def chain_heads(deliveries: Iterable[Delivery]) -> set[str]:
    """The ids of the pending deliveries that may be sent now as far as order goes: each the
    earliest pending one of its (subscription, order)."""
    first: dict[tuple[str, str], tuple[EventCursor, str]] = {}
    for delivery in deliveries:
        if delivery.status is not DeliveryStatus.PENDING:
            continue
        chain = (delivery.subscription_id, delivery.order_id)
        held = first.get(chain)
        if held is None or delivery.position < held[0]:
            first[chain] = (delivery.position, delivery.id)
    return {delivery_id for _, delivery_id in first.values()}
