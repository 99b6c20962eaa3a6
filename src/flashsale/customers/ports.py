"""What the customers' domain needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from flashsale.customers.model import Customer
from flashsale.customers.sessions import SessionRevocation


class CustomerRepository(Protocol):
    """Customers, and the revocations of their sessions, in the record.

    Raises ``Conflict`` on a duplicate key, returns None when absent.
    """

    async def add_customers(self, customers: Sequence[Customer]) -> None: ...

    async def customer(self, customer_id: str) -> Customer | None: ...

    async def customer_by_email(self, email: str) -> Customer | None: ...

    async def customers_by_id(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        """The customers of these ids that exist, by id, in one read."""
        ...

    async def customers_by_email_prefix(self, prefix: str, limit: int) -> list[Customer]:
        """Up to ``limit`` customers whose (normalised) email starts with ``prefix``, in email
        order: the console's search."""
        ...

    async def end_sessions(
        self, customer_id: str, revoked_at: datetime, expires_at: datetime
    ) -> SessionRevocation | None:
        """Raise the customer's session generation and record the revocation, in one
        transaction; None when there is no such customer."""
        ...

    async def change_password(
        self,
        customer_id: str,
        password_hash: str,
        revoked_at: datetime,
        expires_at: datetime,
        *,
        replacing: str | None = None,
    ) -> SessionRevocation | None:
        """Set the password and end every session (as ``end_sessions``), in one transaction.

        With ``replacing``, only while the stored hash is still that one (compare and set):
        None when it changed meanwhile, so of two writers holding the same old hash one wins.
        """
        ...

    async def add_session_revocation(self, revocation: SessionRevocation) -> None:
        """Record that one session ended; recording it twice is harmless."""
        ...

    async def session_revocations_since(self, since: datetime) -> list[SessionRevocation]:
        """Every revocation recorded at ``since`` or later (expired ones too, until forgotten)."""
        ...

    async def forget_session_revocations(self, expired_by: datetime) -> None: ...
