"""Passwords (argon2id), signed session tokens (itsdangerous), and the keys that sign things.

The shop has one secret key; nothing signs with it directly. Each purpose gets its own key,
derived from it (``derive_key``), so a token signed for one purpose never verifies for another,
and a key recovered from one kind of token opens nothing else.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from flashsale.domain.errors import AuthenticationFailed


class PasswordHasher:
    """Hashing runs in a thread: argon2 is deliberately slow and must not stall the event loop."""

    def __init__(self, time_cost: int, memory_cost_kib: int) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)
        # Verifying against this when the email is unknown keeps both answers equally slow.
        self._decoy = self._argon2.hash("flashsale-decoy-password")

    def hash_now(self, password: str) -> str:
        return self._argon2.hash(password)

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._argon2.verify(password_hash or self._decoy, password)
            except (VerificationError, InvalidHashError):
                return False

        ok = await asyncio.to_thread(check)
        return ok and password_hash is not None


SESSION = "session"
ADMISSION = "admission"
PROOF_OF_WORK = "proof-of-work"
CONSOLE = "console"
CSRF = "csrf"


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
        )

    def __repr__(self) -> str:
        return "Keys(…)"


class SessionTokens:
    """Signed session tokens: ``<customer id>.<timestamp>.<HMAC>`` (itsdangerous).

    Verifying is on every purchase, so the signer is built once, and a verified token is
    remembered with the time it was signed: a fan's later requests (buy, pay, look at the
    order) skip the HMAC and decoding, and only the expiry is checked again.

    ``secret_key`` is the session key (``Keys.session``), not the shop's secret key.
    """

    SALT = "flashsale.session"

    def __init__(self, secret_key: str, ttl_seconds: float, *, cache_size: int = 100_000) -> None:
        # itsdangerous derives the HMAC key from secret and salt on every call, and its default
        # SHA-1 is a Python wrapper that sends hmac down its pure-Python path. Deriving the key
        # once and naming OpenSSL's SHA-1 signs and checks the very same tokens at about half
        # the cost, which every fan pays on the first purchase a process sees from them.
        derived = TimestampSigner(secret_key, salt=self.SALT).derive_key()
        self._signer = TimestampSigner(
            derived, salt=self.SALT, key_derivation="none", digest_method=hashlib.sha1
        )
        self._ttl = ttl_seconds
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._cache_size = cache_size

    def issue(self, customer_id: str) -> str:
        return self._signer.sign(customer_id.encode()).decode()

    def customer_id(self, token: str) -> str:
        known = self._verified.get(token)
        if known is None:
            known = self._verify(token)
            self._verified[token] = known
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        customer_id, signed_at = known
        if time.time() - signed_at > self._ttl:
            raise AuthenticationFailed("the session token has expired; log in again")
        return customer_id

    def _verify(self, token: str) -> tuple[str, float]:
        try:
            value, signed_at = self._signer.unsign(
                token, max_age=int(self._ttl), return_timestamp=True
            )
        except SignatureExpired as exc:
            raise AuthenticationFailed("the session token has expired; log in again") from exc
        except BadSignature as exc:
            raise AuthenticationFailed("the session token is not valid") from exc
        return value.decode(), signed_at.timestamp()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality that never matches an empty value: an unset secret that slipped
    through as "" must not be matched by an empty answer."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
