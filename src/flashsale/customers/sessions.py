"""Sessions that can end before their token expires: log-out, log-out everywhere, a new password.

A session token is signed and self-contained, so the purchase path checks it without a read of
the record. Ending one is therefore a *revocation* every API process must learn of:

- ``SessionClaim``: what a token says, its subject (a customer id, or ``console``), the id of
  its session, and the subject's *session generation* when it was issued.
- Ending one session revokes its id; ending them all raises the subject's generation, so that
  every token issued before (a lower generation) is refused, and a new log-in is not.
- ``RevocationList``: this process's knowledge of revocations, two dictionary lookups per check.
  A revocation is in force at once in the process that made it and, in the others, after their
  next poll of the record (``Sessions.refresh``, every ``session_revocation_poll_seconds``).
  Revocations are forgotten once every token they could end has expired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

CONSOLE = "console"  # the subject of the console's sessions (the admin token has no account)
CONSOLE_SESSION_TTL_SECONDS = 12 * 3600


@dataclass(frozen=True, slots=True)
class SessionClaim:
    subject: str
    session_id: str | None  # None: a token issued before sessions had ids; ends with them all
    generation: int


@dataclass(frozen=True, slots=True)
class SessionRevocation:
    """One session ended (``session_id``), or every session of ``subject`` below
    ``generation`` (``session_id`` None)."""

    subject: str
    session_id: str | None
    generation: int
    revoked_at: datetime
    expires_at: datetime  # by then every token it ends has expired of itself


class RevocationList:
    def __init__(self) -> None:
        self._ended: dict[str, datetime] = {}  # session id -> when its entry may go
        self._generation: dict[str, tuple[int, datetime]] = {}  # subject -> lowest valid

    def __len__(self) -> int:
        return len(self._ended) + len(self._generation)

    def apply(self, revocations: Iterable[SessionRevocation]) -> None:
        """Idempotent and order-free: a revocation read twice, or late, changes nothing more."""
        for revocation in revocations:
            if revocation.session_id is not None:
                known = self._ended.get(revocation.session_id)
                if known is None or known < revocation.expires_at:
                    self._ended[revocation.session_id] = revocation.expires_at
                continue
            lowest = self._generation.get(revocation.subject)
            if lowest is None or lowest[0] < revocation.generation:
                self._generation[revocation.subject] = (
                    revocation.generation,
                    revocation.expires_at,
                )
            elif lowest[0] == revocation.generation and lowest[1] < revocation.expires_at:
                self._generation[revocation.subject] = (lowest[0], revocation.expires_at)

    def is_revoked(self, claim: SessionClaim) -> bool:
        if claim.session_id is not None and claim.session_id in self._ended:
            return True
        lowest = self._generation.get(claim.subject)
        return lowest is not None and claim.generation < lowest[0]

    def forget_expired(self, now: datetime) -> None:
        self._ended = {sid: until for sid, until in self._ended.items() if until > now}
        self._generation = {s: g for s, g in self._generation.items() if g[1] > now}
