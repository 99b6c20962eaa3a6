"""The desk's refusals, each with a stable code (the RFC 9457 problem ``type`` at the edge)."""

from __future__ import annotations

from flashsale.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound


class CaseNotFound(NotFound):
    code = "case-not-found"


class InvalidTransition(Conflict):
    """A status change the case's life does not allow; the detail names the current status."""

    code = "case-invalid-transition"

    def __init__(self, detail: str, current: str) -> None:
        super().__init__(detail)
        self.current = current


class AgentUnavailable(Conflict):
    """An assignment to an agent who is offline (or not an agent of the desk)."""

    code = "agent-unavailable"


class ActionUnavailable(Conflict):
    """An action the shop cannot carry out yet (start a return without fulfilment's returns)."""

    code = "desk-action-unavailable"


class UnknownVariable(InvalidInput):
    """A macro naming a variable the desk does not provide; the detail names it."""

    code = "macro-unknown-variable"


class CaseChanged(Conflict):
    """Someone else changed the case between its read and this write: read it again."""

    code = "case-changed"


class NotYourCase(Forbidden):
    code = "not-your-case"
