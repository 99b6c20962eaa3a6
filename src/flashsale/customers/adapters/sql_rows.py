"""Customers to table rows and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.customers.model import Customer


def customer_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email": customer.email,
        "password_hash": customer.password_hash,
        "market_code": customer.market_code,
        "created_at": customer.created_at,
    }


def customer_of(row: RowMapping) -> Customer:
    return Customer(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        market_code=row["market_code"],
        created_at=row["created_at"],
    )
