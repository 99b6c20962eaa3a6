"""Refusals of the customers' domain. Each code is an RFC 9457 problem ``type`` (problems.py)."""

from __future__ import annotations

from flashsale.kernel.errors import DomainError


class TooManyAttempts(DomainError):
    """Log-in or sign-up attempts over their limit (429); ``retry_after``: the whole seconds
    until the caller may try again."""

    code = "too-many-attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
