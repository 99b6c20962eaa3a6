"""What the customers' domain needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flashsale.customers.model import Customer


class CustomerRepository(Protocol):
    """Customers in the record.

    Raises ``Conflict`` on a duplicate key, returns None when absent.
    """

    async def add_customers(self, customers: Sequence[Customer]) -> None: ...

    async def customer(self, customer_id: str) -> Customer | None: ...

    async def customer_by_email(self, email: str) -> Customer | None: ...
