"""Passwords (argon2id) and signed session tokens (itsdangerous)."""

from __future__ import annotations

import asyncio
import hmac

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

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


class SessionTokens:
    def __init__(self, secret_key: str, ttl_seconds: float) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="flashsale.session")
        self._ttl = ttl_seconds

    def issue(self, customer_id: str) -> str:
        return self._serializer.dumps(customer_id)

    def customer_id(self, token: str) -> str:
        try:
            value = self._serializer.loads(token, max_age=int(self._ttl))
        except SignatureExpired as exc:
            raise AuthenticationFailed("the session token has expired; log in again") from exc
        except BadSignature as exc:
            raise AuthenticationFailed("the session token is not valid") from exc
        if not isinstance(value, str):
            raise AuthenticationFailed("the session token is not valid")
        return value


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
