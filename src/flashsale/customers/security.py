"""Passwords (argon2id) and signed session tokens (itsdangerous); the session key comes from
``kernel.keys``."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from flashsale.kernel.errors import AuthenticationFailed


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
