"""Customers sign up with an email that is unique regardless of case, and a home market."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flashsale.kernel.errors import InvalidInput

# Deliberately loose: the only proof an address works is a mail that arrives.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


def normalize_email(email: str) -> str:
    normalized = email.strip().lower()
    if len(normalized) > 254 or not _EMAIL.match(normalized):
        raise InvalidInput(f"{email!r} is not an email address")
    return normalized


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise InvalidInput("a password may have at most 1024 characters")


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    email: str
    password_hash: str
    market_code: str
    created_at: datetime
    # Raised to end every session at once: tokens carry the generation they were issued in.
    session_generation: int = 0
