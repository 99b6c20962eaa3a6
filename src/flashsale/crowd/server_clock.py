"""The server's clock as seen from here: fans wait for the opening by it, never by their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class ServerClock:
    offset: timedelta  # server time minus local time

    @classmethod
    def from_exchange(
        cls, sent: datetime, received: datetime, server_time: datetime
    ) -> ServerClock:
        """Assume the server read its clock halfway through the round trip (as NTP does)."""
        midpoint = sent + (received - sent) / 2
        return cls(server_time - midpoint)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def seconds_until(self, moment: datetime) -> float:
        return (moment - self.now()).total_seconds()
