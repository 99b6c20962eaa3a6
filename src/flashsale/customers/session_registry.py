"""Which sessions have ended, for every API process (the model: sessions.py).

A process learns its own revocations at once and the others' by polling the record every
``poll_seconds``: a revoked token may still be taken by another process until its next poll,
never longer. Each poll reads back ``OVERLAP`` more than the time since the last one, so a
revocation committed a little after its ``revoked_at`` (or stamped by a machine whose clock is
a little behind) is still read; reading one twice changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from flashsale.customers.ports import CustomerRepository
from flashsale.customers.sessions import RevocationList, SessionClaim, SessionRevocation
from flashsale.kernel.clock import Clock

OVERLAP = timedelta(seconds=30)
# Kept past the last token it could end: a log-in that read the customer's generation just
# before it was raised issues its token just after.
MARGIN = timedelta(minutes=5)
FORGET_EVERY = timedelta(hours=1)

log = logging.getLogger(__name__)


class SessionRegistry:
    def __init__(self, store: CustomerRepository, clock: Clock, longest_ttl_seconds: float):
        self._store = store
        self._clock = clock
        self._longest = timedelta(seconds=longest_ttl_seconds)
        self._revoked = RevocationList()
        self._read_from: datetime | None = None
        self._forgot_at: datetime | None = None

    def is_revoked(self, claim: SessionClaim) -> bool:
        return self._revoked.is_revoked(claim)

    async def end(
        self, claim: SessionClaim, ttl_seconds: float, *, recorded_as: str | None = None
    ) -> None:
        """End one session. ``recorded_as`` names its subject in the record when the claim's
        own is not fit to be stored (the console's is a fingerprint of the admin token)."""
        if claim.session_id is None:  # a token older than session ids: only all of them end
            if recorded_as is None:
                await self.end_all(claim.subject)
            return
        now = self._clock.now()
        revocation = SessionRevocation(
            recorded_as or claim.subject,
            claim.session_id,
            claim.generation,
            now,
            now + timedelta(seconds=ttl_seconds) + MARGIN,
        )
        await self._store.add_session_revocation(revocation)
        self._revoked.apply([revocation])

    async def end_all(self, customer_id: str) -> None:
        now = self._clock.now()
        revocation = await self._store.end_sessions(customer_id, now, self._expiry(now))
        if revocation is not None:
            self._revoked.apply([revocation])

    async def change_password(
        self, customer_id: str, password_hash: str, *, replacing: str | None = None
    ) -> int | None:
        """Set a new password and end every session; the new generation, None if no customer
        (or, with ``replacing``, if its password is no longer that hash)."""
        now = self._clock.now()
        revocation = await self._store.change_password(
            customer_id, password_hash, now, self._expiry(now), replacing=replacing
        )
        if revocation is None:
            return None
        self._revoked.apply([revocation])
        return revocation.generation

    def _expiry(self, now: datetime) -> datetime:
        return now + self._longest + MARGIN

    async def refresh(self) -> None:
        """Learn the revocations recorded since the last refresh (at start: all in force)."""
        now = self._clock.now()
        since = now - self._longest - MARGIN if self._read_from is None else self._read_from
        self._revoked.apply(await self._store.session_revocations_since(since))
        self._read_from = now - OVERLAP
        if self._forgot_at is None or now - self._forgot_at >= FORGET_EVERY:
            self._revoked.forget_expired(now)
            await self._store.forget_session_revocations(now)
            self._forgot_at = now

    async def run_forever(self, poll_seconds: float) -> None:
        while True:
            await asyncio.sleep(poll_seconds)
            try:
                await self.refresh()
            except Exception:  # the record is away: try again at the next poll
                log.warning("could not read the ended sessions", exc_info=True)
