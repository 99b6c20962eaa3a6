"""The keys that sign things, each derived from the shop's one secret key.

Nothing signs with the secret key directly. Each purpose gets its own key (``derive_key``), so a
token signed for one purpose never verifies for another, and a key recovered from one kind of
token opens nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

SESSION = "session"
ADMISSION = "admission"
PROOF_OF_WORK = "proof-of-work"
CONSOLE = "console"
CSRF = "csrf"
STREAM_TICKET = "stream-ticket"
STAFF = "staff"


def derive_key(secret: str, purpose: str) -> str:
    """The key for one purpose: HMAC-SHA256 of the purpose's name under the secret key."""
    label = f"flashsale.key.{purpose}".encode()
    return hmac.new(secret.encode(), label, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True, repr=False)
class Keys:
    """Every purpose's key, derived once at start-up (never printed: no repr of the values)."""

    session: str
    admission: str
    proof_of_work: str
    console: str
    csrf: str
    stream_ticket: str
    staff: str

    @classmethod
    def derive(cls, secret: str) -> Keys:
        if not secret.strip():
            raise ValueError("no keys from an empty secret key")
        return cls(
            session=derive_key(secret, SESSION),
            admission=derive_key(secret, ADMISSION),
            proof_of_work=derive_key(secret, PROOF_OF_WORK),
            console=derive_key(secret, CONSOLE),
            csrf=derive_key(secret, CSRF),
            stream_ticket=derive_key(secret, STREAM_TICKET),
            staff=derive_key(secret, STAFF),
        )

    def __repr__(self) -> str:
        return "Keys(…)"


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality that never matches an empty value: an unset secret that slipped
    through as "" must not be matched by an empty answer."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
