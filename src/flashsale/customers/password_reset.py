"""A forgotten password: a reset link by mail, whose token is signed, expiring and single-use.

- Signed: an HMAC with a key of its own purpose (derived from the session key with a salt), so
  no one can make one up or change whose it is.
- Expiring: it carries its deadline (``RESET_TTL`` after it was asked for, by the shop's clock).
- Single-use without a table: it carries a fingerprint of the password hash it was issued
  against; setting a password (by this link or any other way) changes the hash, and every link
  issued before stops working. The new password is written only while the stored hash is still
  the one the link was checked against (a compare and set in the record), so of two
  submissions of one link racing each other exactly one sets it, whichever process serves them.

A reset ends every session of the account, as a change of password does (``SessionRegistry``).
Asking for a link counts against the same throttle as a failed log-in, per address and per
account: nobody can fill someone's mailbox with links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flashsale.customers.model import Customer, check_password_strength, normalize_email
from flashsale.customers.ports import CustomerRepository
from flashsale.customers.security import PasswordHasher
from flashsale.customers.session_registry import SessionRegistry
from flashsale.customers.throttle import AuthThrottle
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput

RESET_TTL = timedelta(hours=1)
_SALT = b"flashsale.password-reset"
_FINGERPRINT_BYTES = 12
_USED = "this reset link was used already: ask for a new one"


class ResetLinkInvalid(InvalidInput):
    """The link is not one of ours, has expired, or was used (its password changed since)."""


@dataclass(frozen=True, slots=True)
class ResetTicket:
    customer: Customer
    token: str
    expires_at: datetime


class PasswordResets:
    def __init__(
        self,
        store: CustomerRepository,
        sessions: SessionRegistry,
        hasher: PasswordHasher,
        throttle: AuthThrottle,
        clock: Clock,
        key: str,
        ttl: timedelta = RESET_TTL,
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._hasher = hasher
        self._throttle = throttle
        self._clock = clock
        self._key = hmac.new(key.encode(), _SALT, hashlib.sha256).digest()
        self._ttl = ttl

    async def issue(self, email: str, *, address: str | None = None) -> ResetTicket | None:
        """A link's token for the account of ``email``; None when there is no such account
        (the page answers the same either way: it tells no one who has an account)."""
        try:
            normalized = normalize_email(email)
        except InvalidInput:
            return None
        if address is not None:
            await self._throttle.admit(address, normalized)
            await self._throttle.failed(address, normalized)
        customer = await self._store.customer_by_email(normalized)
        if customer is None:
            return None
        expires_at = self._clock.now() + self._ttl
        deadline = int(expires_at.timestamp())
        payload = f"{customer.id}.{deadline}.{self._fingerprint(customer.password_hash)}"
        return ResetTicket(customer, f"{_b64(payload.encode())}.{self._sign(payload)}", expires_at)

    async def customer_of(self, token: str) -> Customer:
        """Whose link this is, if it still works; ResetLinkInvalid otherwise."""
        encoded, _, signature = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ResetLinkInvalid("this reset link is not valid") from exc
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise ResetLinkInvalid("this reset link is not valid")
        customer_id, deadline, fingerprint = payload.split(".")
        if self._clock.now() >= datetime.fromtimestamp(int(deadline), UTC):
            raise ResetLinkInvalid("this reset link has expired: ask for a new one")
        customer = await self._store.customer(customer_id)
        if customer is None or not hmac.compare_digest(
            fingerprint, self._fingerprint(customer.password_hash)
        ):
            raise ResetLinkInvalid(_USED)
        return customer

    async def reset(self, token: str, new_password: str) -> Customer:
        """Set the new password and end every session of the account."""
        check_password_strength(new_password)
        customer = await self.customer_of(token)
        password_hash = await self._hasher.hash(new_password)
        changed = await self._sessions.change_password(
            customer.id, password_hash, replacing=customer.password_hash
        )
        if changed is None:  # another submission of this link (or a new password) came first
            raise ResetLinkInvalid(_USED)
        return customer

    def _fingerprint(self, password_hash: str) -> str:
        digest = hmac.new(self._key, password_hash.encode(), hashlib.sha256).digest()
        return _b64(digest[:_FINGERPRINT_BYTES])

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
