"""Refusals of the waiting room. Each code is an RFC 9457 problem ``type`` (problems.py)."""

from __future__ import annotations

from flashsale.kernel.errors import DomainError, Forbidden, NotFound


class AdmissionRefused(Forbidden):
    """The sale's room admits buyers with a token, and this purchase has no valid one."""

    code = "admission-refused"


class AdmissionRequired(AdmissionRefused):
    code = "admission-required"


class AdmissionTokenInvalid(AdmissionRefused):
    code = "admission-token-invalid"


class AdmissionTokenExpired(AdmissionRefused):
    code = "admission-token-expired"


class AdmissionTokenNotYours(AdmissionRefused):
    code = "admission-token-not-yours"


class AdmissionTokenUsed(AdmissionRefused):
    code = "admission-token-used"


class ProofOfWorkRequired(Forbidden):
    code = "proof-of-work-required"


class AddressCapReached(Forbidden):
    code = "address-cap-reached"


class NotInQueue(NotFound):
    code = "not-in-queue"


class NoWaitingRoom(NotFound):
    code = "no-waiting-room"


class TooManyRequests(DomainError):
    """A rate limit; ``retry_after``: the whole seconds until the caller may try again."""

    code = "too-many-requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
