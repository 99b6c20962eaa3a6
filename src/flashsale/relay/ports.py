"""What the relay needs from outside: a broker to publish to, and a place for its cursor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from flashsale.relay.domain.messages import RelayMessage


class PublishFailed(Exception):
    """The broker did not acknowledge every message of a batch. Some may be stored: the relay
    publishes the whole batch again, with the same ids."""


class Publisher(Protocol):
    async def connect(self) -> None:
        """Reach the broker and make sure the destination exists (the stream, the exchange);
        nothing when connected already. Raises PublishFailed."""
        ...

    async def publish(self, messages: Sequence[RelayMessage]) -> None:
        """Publish the messages in their order; return only once the broker has acknowledged
        every one of them, else raise PublishFailed (and reconnect at the next call)."""
        ...

    async def close(self) -> None: ...


class RelayCursorRepository(Protocol):
    """Each relay's place in the order event feed, by relay name: the cursor after the last
    event the broker acknowledged (``EventCursor`` as text)."""

    async def relay_cursor(self, name: str) -> str | None:
        """None for a relay that never stored one."""
        ...

    async def move_relay_cursor(
        self, name: str, expected: str | None, cursor: str, at: datetime
    ) -> bool:
        """Store ``cursor`` if the relay's cursor is still ``expected`` (None: it has none yet);
        False, storing nothing, when another process moved it first."""
        ...
