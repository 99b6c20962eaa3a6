"""When each fan clicks, in seconds after the opening: a surge, a steady stream, or a recording.

A record day is a surge: most of the crowd is at the button when the clock turns, the rest
trickles in over the next minutes (a long tail). A steady stream is the control experiment.
A recorded curve replays the shape of a real day (one offset in seconds per line).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class ArrivalKind(enum.StrEnum):
    SURGE = "surge"
    STEADY = "steady"
    RECORDED = "recorded"


class ArrivalError(ValueError):
    """A curve that cannot be drawn: bad parameters or an unreadable recording."""


@dataclass(frozen=True, slots=True)
class ArrivalCurve:
    kind: ArrivalKind = ArrivalKind.SURGE
    # surge: this share clicks within about ``surge_seconds`` (exponential), the rest follow
    # with a mean delay of ``tail_seconds`` (exponential: a long tail).
    surge_share: float = 0.8
    surge_seconds: float = 0.5
    tail_seconds: float = 10.0
    # steady: evenly spread over this many seconds.
    window_seconds: float = 10.0
    recorded: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.surge_share <= 1.0:
            raise ArrivalError(f"surge_share must be between 0 and 1, not {self.surge_share}")
        if min(self.surge_seconds, self.tail_seconds, self.window_seconds) < 0:
            raise ArrivalError("arrival durations must not be negative")
        if self.kind is ArrivalKind.RECORDED and not self.recorded:
            raise ArrivalError("a recorded arrival curve needs at least one offset")

    def offsets(self, count: int, rng: random.Random) -> list[float]:
        """``count`` offsets in seconds after the opening, in no particular order."""
        if self.kind is ArrivalKind.STEADY:
            return [self.window_seconds * rng.random() for _ in range(count)]
        if self.kind is ArrivalKind.RECORDED:
            drawn = resample(self.recorded, count)
            rng.shuffle(drawn)
            return drawn
        surging = round(count * self.surge_share)
        return [
            rng.expovariate(1 / self.surge_seconds) if self.surge_seconds > 0 else 0.0
            for _ in range(surging)
        ] + [
            rng.expovariate(1 / self.tail_seconds) if self.tail_seconds > 0 else 0.0
            for _ in range(count - surging)
        ]


def resample(recorded: Sequence[float], count: int) -> list[float]:
    """``count`` offsets with the recording's shape: its quantiles, evenly spaced."""
    ordered = sorted(recorded)
    n = len(ordered)
    return [ordered[min(n - 1, (i * n) // count)] for i in range(count)]


def read_recording(path: Path) -> tuple[float, ...]:
    """One offset (seconds after the opening) per line; the first column of a CSV will do.

    Blank lines, ``#`` comments and a header line that is not a number are skipped; offsets
    are shifted so that the earliest is the opening.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ArrivalError(f"cannot read the arrival recording {path}: {exc}") from exc
    offsets = []
    for number, line in enumerate(lines, start=1):
        field = line.split("#", 1)[0].split(",", 1)[0].strip()
        if not field:
            continue
        try:
            offsets.append(float(field))
        except ValueError:
            if offsets:  # only a header may be a word
                raise ArrivalError(f"{path}:{number}: not a number of seconds: {field!r}") from None
    if not offsets:
        raise ArrivalError(f"{path}: no arrival offsets in it")
    first = min(offsets)
    return tuple(offset - first for offset in offsets)
