"""SLA policies and a case's SLA clock.

A policy sets, per priority, how long the first response, each next response and the
resolution may take, in business time (the market's calendar) or in calendar time. A case's
stamps hold its due times; while it is pending or on hold its clock is paused, and on resuming
every due time moves on by the working time the pause lasted, so a pause costs nothing.

A breach is recorded once per target missed (``first_response``, ``resolution``, and each
``next_response`` by the due time it missed), whatever the number of looks.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from flashsale.kernel.errors import InvalidInput

MAX_TARGET_MINUTES = 60 * 24 * 90


class Priority(enum.StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Smaller first: the waiting line is ordered by (rank, first response due)."""
        return _RANKS[self]


_RANKS = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class WorkingTime(Protocol):
    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


@dataclass(frozen=True, slots=True)
class Targets:
    first_response: int  # minutes
    next_response: int
    resolution: int

    def __post_init__(self) -> None:
        for name in ("first_response", "next_response", "resolution"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= MAX_TARGET_MINUTES:
                raise InvalidInput(f"{name}: 1 to {MAX_TARGET_MINUTES} minutes")


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    code: str
    targets: Mapping[Priority, Targets]
    business_hours: bool = True

    def __post_init__(self) -> None:
        missing = [p.value for p in Priority if p not in self.targets]
        if missing:
            raise InvalidInput(f"SLA policy {self.code}: no targets for {', '.join(missing)}")

    @classmethod
    def uniform(cls, code: str, first: int, next_: int, resolution: int) -> SlaPolicy:
        """The same targets for every priority, shorter for the urgent and high ones."""

        def scaled(factor: float) -> Targets:
            return Targets(
                max(1, int(first * factor)),
                max(1, int(next_ * factor)),
                max(1, int(resolution * factor)),
            )

        return cls(
            code,
            {
                Priority.URGENT: scaled(0.25),
                Priority.HIGH: scaled(0.5),
                Priority.NORMAL: scaled(1),
                Priority.LOW: scaled(2),
            },
        )


@dataclass(frozen=True, slots=True)
class SlaStamps:
    first_response_due: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None
    first_responded_at: datetime | None = None
    paused_since: datetime | None = None
    paused_seconds: float = 0.0  # working time spent paused, in all
    breaches: tuple[str, ...] = field(default_factory=tuple)

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def dues(self) -> dict[str, datetime]:
        """The targets still running, by breach name."""
        found: dict[str, datetime] = {}
        if self.first_responded_at is None and self.first_response_due is not None:
            found["first_response"] = self.first_response_due
        if self.next_response_due is not None:
            found[f"next_response@{self.next_response_due.isoformat()}"] = self.next_response_due
        if self.resolution_due is not None:
            found["resolution"] = self.resolution_due
        return found

    def earliest_due(self) -> datetime | None:
        dues = [d for name, d in self.dues().items() if name not in self.breaches]
        return min(dues) if dues else None


def started(policy: SlaPolicy, priority: Priority, at: datetime, clock: WorkingTime) -> SlaStamps:
    targets = policy.targets[priority]
    return SlaStamps(
        first_response_due=clock.add(at, timedelta(minutes=targets.first_response)),
        resolution_due=clock.add(at, timedelta(minutes=targets.resolution)),
    )


def agent_replied(stamps: SlaStamps, at: datetime) -> SlaStamps:
    """A public answer: the first response is made, and no next response is owed."""
    return replace(
        stamps,
        first_responded_at=stamps.first_responded_at or at,
        next_response_due=None,
    )


def customer_wrote(
    stamps: SlaStamps, policy: SlaPolicy, priority: Priority, at: datetime, clock: WorkingTime
) -> SlaStamps:
    """The customer wrote again: once answered, a next response is owed (the earliest due
    stands if one is already)."""
    if stamps.first_responded_at is None or stamps.next_response_due is not None:
        return stamps
    due = clock.add(at, timedelta(minutes=policy.targets[priority].next_response))
    return replace(stamps, next_response_due=due)


def paused(stamps: SlaStamps, at: datetime) -> SlaStamps:
    return stamps if stamps.paused else replace(stamps, paused_since=at)


def resumed(stamps: SlaStamps, at: datetime, clock: WorkingTime) -> SlaStamps:
    """The clock runs again: every due time moves on by the working time of the pause."""
    if stamps.paused_since is None:
        return stamps
    pause = clock.between(stamps.paused_since, at)

    def moved(due: datetime | None) -> datetime | None:
        return due if due is None or not pause else clock.add(due, pause)

    return replace(
        stamps,
        first_response_due=(
            moved(stamps.first_response_due)
            if stamps.first_responded_at is None
            else stamps.first_response_due
        ),
        next_response_due=moved(stamps.next_response_due),
        resolution_due=moved(stamps.resolution_due),
        paused_since=None,
        paused_seconds=stamps.paused_seconds + pause.total_seconds(),
    )


def resolved(stamps: SlaStamps) -> SlaStamps:
    """Solved: nothing more is owed (breaches already recorded stay)."""
    return replace(
        stamps,
        first_response_due=(
            stamps.first_response_due if stamps.first_responded_at is not None else None
        ),
        next_response_due=None,
        resolution_due=None,
        paused_since=None,
    )


def newly_breached(stamps: SlaStamps, now: datetime) -> tuple[str, ...]:
    """Targets due before ``now`` and not recorded yet; none while the clock is paused."""
    if stamps.paused:
        return ()
    return tuple(
        sorted(
            name
            for name, due in stamps.dues().items()
            if due <= now and name not in stamps.breaches
        )
    )
