"""Named rehearsals and the knobs of one run: pure data, scaled and overridden before a run."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

# Fans per second that register over HTTP before the opening (against --url). Measured
# in-process on two shared cores: 5,000 fans took 14 s alone and 38 s with the burst landing
# on them; 300 took 0.8 s. Hence a generous countdown.
REGISTRATIONS_PER_SECOND = 150.0
# In-process the stage registers the fans in bulk instead (SQLite took 54k-73k rows/s, then
# the gate learns them): a fraction of that rate leaves room for the gate and the machine.
BULK_REGISTRATIONS_PER_SECOND = 20_000.0
MIN_OPENS_IN_SECONDS = 3.0


class ScenarioError(ValueError):
    """An unknown scenario or a parameter out of range."""


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    fans: int
    stock: int
    limit: int = 1
    opens_in_seconds: float = 5.0
    payment_window_seconds: float = 10.0
    abandon_share: float = 0.1
    # Of the fans who find the sale sold out, the share who come back once after the payment
    # window, for the units the walkers-away gave back (CrowdPlan.return_share).
    retry_share: float = 0.5
    scale: float = 1.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.fans < 1 or self.stock < 1 or self.limit < 1:
            raise ScenarioError("fans, stock and limit must be at least 1")
        if self.opens_in_seconds <= 0 or self.payment_window_seconds <= 0:
            raise ScenarioError("--opens-in and --payment-window must be positive")
        for name in ("abandon_share", "retry_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ScenarioError(f"{name} must be between 0 and 1, not {share}")
        if self.scale <= 0:
            raise ScenarioError("--scale must be positive")


def countdown_for(fans: int, *, over_http: bool = True) -> float:
    """Seconds from creating the sale to its opening, so that every fan is in line by then."""
    rate = REGISTRATIONS_PER_SECOND if over_http else BULK_REGISTRATIONS_PER_SECOND
    return max(MIN_OPENS_IN_SECONDS, math.ceil(fans / rate) + 2.0)


# India, May 2015: 10,000 Mi Bands at Rs 999, gone in 22 seconds. The crowd's size is not in
# the source; 20 fans per band is this rehearsal's assumption.
MI_BAND_INDIA = Scenario(
    name="mi-band-india",
    fans=200_000,
    stock=10_000,
    opens_in_seconds=countdown_for(200_000),
    payment_window_seconds=15.0,
    seed=2015,
)
QUICK = Scenario(
    name="quick",
    fans=300,
    stock=100,
    opens_in_seconds=2.0,
    payment_window_seconds=3.0,
    seed=2015,
)
SCENARIOS = {scenario.name: scenario for scenario in (MI_BAND_INDIA, QUICK)}


def scaled(scenario: Scenario, scale: float) -> Scenario:
    """Fans and stock times ``scale`` (at least one each), the countdown fitted to the crowd."""
    if scale <= 0:
        raise ScenarioError("--scale must be positive")
    fans = max(1, round(scenario.fans * scale))
    return dataclasses.replace(
        scenario,
        fans=fans,
        stock=max(1, round(scenario.stock * scale)),
        opens_in_seconds=countdown_for(fans),
        scale=scenario.scale * scale,
    )


def chosen(
    name: str, scale: float = 1.0, *, over_http: bool = True, **overrides: float | int | None
) -> Scenario:
    """The named scenario, scaled, then with every option given (not None) on top.

    ``over_http=False`` (fans registered in bulk, in-process) shortens a countdown that was
    sized for registering over HTTP; an explicit --opens-in is kept as given.
    """
    try:
        base = SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ScenarioError(f"no scenario {name!r}; known: {known}") from None
    scenario = scaled(base, scale) if scale != 1.0 else base
    given = {key: value for key, value in overrides.items() if value is not None}
    if "fans" in given and "opens_in_seconds" not in given:
        fans = int(given["fans"])
        given["opens_in_seconds"] = max(scenario.opens_in_seconds, countdown_for(fans))
    if not over_http and "opens_in_seconds" not in given:
        fans = int(given.get("fans", scenario.fans))
        bulk = countdown_for(fans, over_http=False)
        given["opens_in_seconds"] = min(scenario.opens_in_seconds, bulk)
    try:
        return dataclasses.replace(scenario, **given)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ScenarioError(str(exc)) from exc
