"""Staff session tokens: customers' signed tokens (``SessionTokens``) under the staff's own key
(``Keys.staff``) and salt, so that neither kind ever passes as the other."""

from __future__ import annotations

from flashsale.customers.security import SessionTokens
from flashsale.customers.sessions import SessionClaim
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.staff.model import STAFF_SESSION_TTL_SECONDS

SALT = "flashsale.staff"
# Long enough to outlive any token ever issued: for recognising one, not for accepting it.
_ANY_AGE_SECONDS = 10 * 365 * 24 * 3600


class StaffTokens:
    def __init__(self, key: str, ttl_seconds: float = STAFF_SESSION_TTL_SECONDS) -> None:
        self._live = SessionTokens(key, ttl_seconds, salt=SALT, cache_size=10_000)
        self._any_age = SessionTokens(key, _ANY_AGE_SECONDS, salt=SALT, cache_size=1_000)
        self.ttl_seconds = ttl_seconds

    def issue(self, staff_id: str, generation: int) -> str:
        return self._live.issue(staff_id, generation)

    def claim(self, token: str) -> SessionClaim:
        """What a live staff token says; 401 when it is not one, or has expired."""
        return self._live.claim(token)

    def recognises(self, token: str) -> bool:
        """Whether we signed this as a staff token, live or not: an expired staff session is
        asked to log in again (401), a customer's session on a staff route is refused (403)."""
        try:
            self._any_age.claim(token)
        except AuthenticationFailed:
            return False
        return True
