"""The refusals of fulfilment, each with a stable code (the RFC 9457 problem ``type``)."""

from __future__ import annotations

from flashsale.kernel.errors import Conflict


class InvalidTransition(Conflict):
    """A fulfilment order asked to move where its current state does not lead."""

    code = "invalid-transition"
