"""``CustomerRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections.abc import Sequence

from flashsale.customers.model import Customer
from flashsale.kernel.errors import Conflict


class MemoryCustomerRepository:
    def __init__(self) -> None:
        super().__init__()
        self._customers: dict[str, Customer] = {}
        self._customer_by_email: dict[str, str] = {}

    async def add_customers(self, customers: Sequence[Customer]) -> None:
        emails = [c.email for c in customers]
        if len(set(emails)) != len(emails) or any(e in self._customer_by_email for e in emails):
            raise Conflict("a customer with this email exists already")
        for customer in customers:
            self._customers[customer.id] = customer
            self._customer_by_email[customer.email] = customer.id

    async def customer(self, customer_id: str) -> Customer | None:
        return self._customers.get(customer_id)

    async def customer_by_email(self, email: str) -> Customer | None:
        customer_id = self._customer_by_email.get(email)
        return None if customer_id is None else self._customers[customer_id]
