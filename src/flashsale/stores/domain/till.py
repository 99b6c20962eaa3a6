"""A till: one device at a store, known by a secret token shown once.

The token authenticates the device, not a person (the clerk logs in with a staff session on top
of it); it is stored only as its SHA-256: a random 256-bit secret needs no slow hash, and a
leaked table gives no till away. Revoking a till ends its token for good.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.ids import new_id

TOKEN_PREFIX = "till_"
MAX_TILL_NAME = 60


@dataclass(frozen=True, slots=True)
class Till:
    id: str
    store_code: str
    name: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_till(store_code: str, name: str, at: datetime) -> tuple[Till, str]:
    """A till and its token (the only time the token exists in the clear)."""
    name = name.strip()
    if not name or len(name) > MAX_TILL_NAME:
        raise InvalidInput(f"name: 1 to {MAX_TILL_NAME} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return Till(new_id("till"), store_code, name, token_hash(token), at), token
