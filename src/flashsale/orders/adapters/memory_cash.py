"""``CashCollection`` in a Python process: a mixin of ``MemoryOrderRepository``, sharing its
payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.orders.domain.order import Payment, PaymentStatus


class MemoryCashCollection:
    _payments: dict[str, Payment]

    def __init__(self) -> None:
        super().__init__()
        self._cash_cursor: str | None = None

    async def collect_cash(self, order_ids: Sequence[str], at: datetime) -> list[str]:
        collected = []
        for order_id in dict.fromkeys(order_ids):
            payment = self._payments.get(order_id)
            if payment is not None and payment.cash_due:
                self._payments[order_id] = replace(payment, status=PaymentStatus.SUCCEEDED)
                collected.append(order_id)
        return collected

    async def cash_cursor(self) -> str | None:
        return self._cash_cursor

    async def move_cash_cursor(self, expected: str | None, cursor: str, at: datetime) -> bool:
        if self._cash_cursor != expected:
            return False
        self._cash_cursor = cursor
        return True
