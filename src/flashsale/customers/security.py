"""Passwords (argon2id) and signed session tokens (itsdangerous); the session key comes from
``kernel.keys``."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from flashsale.customers.sessions import SessionClaim
from flashsale.kernel.errors import AuthenticationFailed, Busy
from flashsale.kernel.ids import new_id

T = TypeVar("T")


class PasswordHasher:
    """Hashing runs in a thread: argon2 is deliberately slow and must not stall the event loop.

    At most ``concurrency`` hashes run at once and ``queue`` more wait for one of them; past that
    a hash is refused at once with ``Busy`` (503): unbounded, a flood of log-ins would queue
    ahead of a real customer's for seconds, each running hash holding its memory cost.
    """

    def __init__(
        self, time_cost: int, memory_cost_kib: int, *, concurrency: int = 8, queue: int = 64
    ) -> None:
        if concurrency < 1 or queue < 0:
            raise ValueError("password hashing needs concurrency >= 1 and queue >= 0")
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)
        # Verifying against this when the email is unknown keeps both answers equally slow.
        self._decoy = self._argon2.hash("flashsale-decoy-password")
        self._running = asyncio.Semaphore(concurrency)
        self._capacity = concurrency + queue
        self._admitted = 0  # running or waiting

    def hash_now(self, password: str) -> str:
        return self._argon2.hash(password)

    async def hash(self, password: str) -> str:
        return await self._in_thread(functools.partial(self._argon2.hash, password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._argon2.verify(password_hash or self._decoy, password)
            except (VerificationError, InvalidHashError):
                return False

        ok = await self._in_thread(check)
        return ok and password_hash is not None

    async def _in_thread(self, work: Callable[[], T]) -> T:
        if self._admitted >= self._capacity:
            raise Busy("too many passwords are being checked right now; try again in a second")
        self._admitted += 1
        try:
            await self._running.acquire()
        except BaseException:
            self._admitted -= 1
            raise
        running = asyncio.get_running_loop().run_in_executor(None, work)

        def done(_: asyncio.Future[T]) -> None:
            self._running.release()
            self._admitted -= 1

        # The slot is freed when the thread is done, not when a caller who hung up stops
        # waiting: the bound counts the threads.
        running.add_done_callback(done)
        return await asyncio.shield(running)


class SessionTokens:
    """Signed session tokens: ``<subject>:<generation>:<session id>.<timestamp>.<HMAC>``
    (itsdangerous); what they claim is a ``SessionClaim`` (sessions.py).

    Verifying is on every purchase, so the signer is built once, and a verified token is
    remembered with the time it was signed: a fan's later requests (buy, pay, look at the
    order) skip the HMAC and decoding, and only the expiry is checked again. Whether the
    session has been ended is the caller's question (``RevocationList``), asked every time.

    ``secret_key`` is the key of this kind of session (``Keys.session``, ``Keys.console``),
    not the shop's secret key; ``salt`` keeps one kind's tokens from passing as another's.
    """

    SALT = "flashsale.session"

    def __init__(
        self,
        secret_key: str,
        ttl_seconds: float,
        *,
        salt: str = SALT,
        cache_size: int = 100_000,
    ) -> None:
        # itsdangerous derives the HMAC key from secret and salt on every call, and its default
        # SHA-1 is a Python wrapper that sends hmac down its pure-Python path. Deriving the key
        # once and naming OpenSSL's SHA-1 signs and checks the very same tokens at about half
        # the cost, which every fan pays on the first purchase a process sees from them.
        derived = TimestampSigner(secret_key, salt=salt).derive_key()
        self._signer = TimestampSigner(
            derived, salt=salt, key_derivation="none", digest_method=hashlib.sha1
        )
        self.ttl_seconds = ttl_seconds
        self._verified: OrderedDict[str, tuple[SessionClaim, float]] = OrderedDict()
        self._cache_size = cache_size

    def issue(self, subject: str, generation: int = 0) -> str:
        """A token for a new session of ``subject``."""
        if ":" in subject:
            raise ValueError("a session's subject has no ':'")
        value = f"{subject}:{generation}:{new_id('ses')}"
        return self._signer.sign(value.encode()).decode()

    def claim(self, token: str) -> SessionClaim:
        known = self._verified.get(token)
        if known is None:
            known = self._verify(token)
            self._verified[token] = known
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        claim, signed_at = known
        if time.time() - signed_at > self.ttl_seconds:
            raise AuthenticationFailed("the session token has expired; log in again")
        return claim

    def _verify(self, token: str) -> tuple[SessionClaim, float]:
        try:
            value, signed_at = self._signer.unsign(
                token, max_age=int(self.ttl_seconds), return_timestamp=True
            )
        except SignatureExpired as exc:
            raise AuthenticationFailed("the session token has expired; log in again") from exc
        except BadSignature as exc:
            raise AuthenticationFailed("the session token is not valid") from exc
        return _claim_of(value.decode()), signed_at.timestamp()


def _claim_of(value: str) -> SessionClaim:
    subject, _, rest = value.partition(":")
    if not rest:  # signed before sessions had ids: still good until they are all ended
        return SessionClaim(subject, None, 0)
    generation, _, session_id = rest.partition(":")
    try:
        return SessionClaim(subject, session_id, int(generation))
    except ValueError as exc:  # signed by us, so never; but never a 500 either
        raise AuthenticationFailed("the session token is not valid") from exc
