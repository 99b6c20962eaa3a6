"""Every refusal the domain can give, each with a stable machine-readable code.

The code becomes the RFC 9457 problem ``type`` at the HTTP edge, so renaming one is an API change.
"""

from __future__ import annotations


class DomainError(Exception):
    code: str = "domain-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    code = "invalid-input"


class IdempotencyKeyReused(InvalidInput):
    """An idempotency key sent again with another request than the one it first came with:
    replaying the first answer would answer a question not asked (the IETF Idempotency-Key
    draft binds a key to a fingerprint of its request)."""

    code = "idempotency-key-reused"


class NotFound(DomainError):
    code = "not-found"


class Conflict(DomainError):
    code = "conflict"


class AuthenticationFailed(DomainError):
    code = "authentication-failed"


class Forbidden(DomainError):
    code = "forbidden"


class Busy(DomainError):
    """The server is doing as much of this work as it allows at once: nothing was done, and the
    caller may try again in a moment (503 with ``retry_after``)."""

    code = "busy"
    retry_after = 1
