"""``CustomerRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.customers.model import Customer
from flashsale.customers.sessions import SessionRevocation
from flashsale.kernel.errors import Conflict


class MemoryCustomerRepository:
    def __init__(self) -> None:
        super().__init__()
        self._customers: dict[str, Customer] = {}
        self._customer_by_email: dict[str, str] = {}
        self._revocations: list[SessionRevocation] = []

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

    async def customers_by_id(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        return {i: self._customers[i] for i in customer_ids if i in self._customers}

    async def customers_by_email_prefix(self, prefix: str, limit: int) -> list[Customer]:
        emails = sorted(e for e in self._customer_by_email if e.startswith(prefix))[:limit]
        return [self._customers[self._customer_by_email[e]] for e in emails]

    async def end_sessions(
        self, customer_id: str, revoked_at: datetime, expires_at: datetime
    ) -> SessionRevocation | None:
        customer = self._customers.get(customer_id)
        if customer is None:
            return None
        return self._end_sessions(customer, customer, revoked_at, expires_at)

    async def change_password(
        self,
        customer_id: str,
        password_hash: str,
        revoked_at: datetime,
        expires_at: datetime,
        *,
        replacing: str | None = None,
    ) -> SessionRevocation | None:
        customer = self._customers.get(customer_id)
        if customer is None or (replacing is not None and customer.password_hash != replacing):
            return None
        changed = replace(customer, password_hash=password_hash)
        return self._end_sessions(customer, changed, revoked_at, expires_at)

    def _end_sessions(
        self, before: Customer, after: Customer, revoked_at: datetime, expires_at: datetime
    ) -> SessionRevocation:
        generation = before.session_generation + 1
        self._customers[before.id] = replace(after, session_generation=generation)
        revocation = SessionRevocation(before.id, None, generation, revoked_at, expires_at)
        self._revocations.append(revocation)
        return revocation

    async def add_session_revocation(self, revocation: SessionRevocation) -> None:
        self._revocations.append(revocation)

    async def session_revocations_since(self, since: datetime) -> list[SessionRevocation]:
        return [r for r in self._revocations if r.revoked_at >= since]

    async def forget_session_revocations(self, expired_by: datetime) -> None:
        self._revocations = [r for r in self._revocations if r.expires_at > expired_by]
