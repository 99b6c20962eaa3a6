"""Customers to table rows and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.customers.model import Customer
from flashsale.customers.sessions import SessionRevocation


def customer_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email": customer.email,
        "password_hash": customer.password_hash,
        "market_code": customer.market_code,
        "created_at": customer.created_at,
        "session_generation": customer.session_generation,
    }


def customer_of(row: RowMapping) -> Customer:
    return Customer(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        market_code=row["market_code"],
        created_at=row["created_at"],
        session_generation=row["session_generation"],
    )


def revocation_row(revocation: SessionRevocation) -> dict[str, Any]:
    return {
        "subject": revocation.subject,
        "session_id": revocation.session_id,
        "generation": revocation.generation,
        "revoked_at": revocation.revoked_at,
        "expires_at": revocation.expires_at,
    }


def revocation_of(row: RowMapping) -> SessionRevocation:
    return SessionRevocation(
        subject=row["subject"],
        session_id=row["session_id"],
        generation=row["generation"],
        revoked_at=row["revoked_at"],
        expires_at=row["expires_at"],
    )
