"""Per order, in feed order: only the earliest pending delivery of each (webhook, order)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from flashsale.orders.domain.events import EventCursor
from flashsale.webhooks.domain.delivery import Delivery, DeliveryStatus
from flashsale.webhooks.domain.ordering import chain_heads

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def delivery(name: str, order: str, xid: int, seq: int, webhook: str = "whk_1") -> Delivery:
    return Delivery(
        name, webhook, f"evt_{seq}", EventCursor(xid, seq), order, "order.paid", b"{}",
        DeliveryStatus.PENDING, NOW, next_attempt_at=NOW,
    )  # fmt: skip


def test_each_chain_sends_its_earliest_pending_event_first() -> None:
    a1, a2, a3 = (
        delivery("a1", "ord_a", 0, 1),
        delivery("a2", "ord_a", 0, 4),
        delivery("a3", "ord_a", 0, 9),
    )
    b1 = delivery("b1", "ord_b", 0, 2)
    other = delivery("a1-other", "ord_a", 0, 3, webhook="whk_2")
    assert chain_heads([a3, a2, b1, a1, other]) == {"a1", "b1", "a1-other"}
    # Done (delivered or dead) events hold nothing back.
    delivered = replace(a1, status=DeliveryStatus.DELIVERED)
    dead = replace(a2, status=DeliveryStatus.FAILED)
    assert chain_heads([delivered, dead, a3, b1]) == {"a3", "b1"}
    assert chain_heads([delivered]) == set()


def test_feed_order_is_transaction_then_sequence() -> None:
    # On PostgreSQL a transaction that took its sequence number early and committed late is read
    # after the ones that committed before it: (xid, seq), not seq alone.
    early_seq_late_commit = delivery("late", "ord_a", 900, 5)
    later_seq_early_commit = delivery("early", "ord_a", 800, 6)
    assert chain_heads([early_seq_late_commit, later_seq_early_commit]) == {"early"}
