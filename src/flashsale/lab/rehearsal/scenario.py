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


ARRIVALS = ("surge", "steady", "recorded")


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
    # When the fans click: "surge" (most at the opening, a long tail of mean
    # ``arrival_seconds``), "steady" (evenly over ``arrival_seconds``) or "recorded"
    # (the offsets in ``arrival_file``, one per line, resampled to the crowd's size).
    arrival: str = "surge"
    arrival_seconds: float = 10.0
    arrival_file: str | None = None
    # Mean seconds a fan looks at its reservation before paying.
    think_seconds: float = 0.2
    # Share of the crowd that hammers the purchase endpoint and ignores Retry-After.
    abusive_share: float = 0.0
    # A day compressed: this many sales of the same band, one every ``sale_gap_seconds``,
    # stock and fans split evenly between them.
    sales: int = 1
    sale_gap_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.fans < 1 or self.stock < 1 or self.limit < 1:
            raise ScenarioError("fans, stock and limit must be at least 1")
        if self.sales < 1 or self.sales > self.stock or self.sales > self.fans:
            raise ScenarioError("--sales must be at least 1 and at most the stock and the fans")
        if self.sale_gap_seconds < 0 or self.arrival_seconds < 0 or self.think_seconds < 0:
            raise ScenarioError("durations must not be negative")
        if not 0.0 <= self.abusive_share <= 1.0:
            raise ScenarioError(f"abusive_share must be between 0 and 1, not {self.abusive_share}")
        if self.arrival not in ARRIVALS:
            raise ScenarioError(f"--arrival must be one of {', '.join(ARRIVALS)}")
        if (self.arrival == "recorded") != (self.arrival_file is not None):
            raise ScenarioError("--arrival recorded goes with --arrival-file, and only it")
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
# The Mi Fan Festival, April 2015: 2.11 million phones to 14.6 million fans in one day, in
# rounds of flash sales. At full size it is out of reach of one machine: it runs scaled
# (by DEFAULT_SCALES unless --scale says otherwise), its rounds seconds apart, not hours.
FAN_FESTIVAL = Scenario(
    name="fan-festival",
    fans=14_600_000,
    stock=2_110_000,
    opens_in_seconds=countdown_for(14_600_000),
    payment_window_seconds=10.0,
    seed=2015,
    sales=12,
    sale_gap_seconds=4.0,
    arrival_seconds=3.0,
)
QUICK = Scenario(
    name="quick",
    fans=300,
    stock=100,
    opens_in_seconds=2.0,
    payment_window_seconds=3.0,
    seed=2015,
    arrival_seconds=1.0,
)
SCENARIOS = {scenario.name: scenario for scenario in (MI_BAND_INDIA, FAN_FESTIVAL, QUICK)}
# The scale a preset runs at when --scale is not given.
DEFAULT_SCALES = {FAN_FESTIVAL.name: 0.001}


def scaled(scenario: Scenario, scale: float) -> Scenario:
    """Fans and stock times ``scale`` (at least one each), the countdown fitted to the crowd."""
    if scale <= 0:
        raise ScenarioError("--scale must be positive")
    fans = max(scenario.sales, round(scenario.fans * scale))
    return dataclasses.replace(
        scenario,
        fans=fans,
        stock=max(scenario.sales, round(scenario.stock * scale)),
        opens_in_seconds=countdown_for(fans),
        scale=scenario.scale * scale,
    )


def chosen(
    name: str,
    scale: float | None = None,
    *,
    over_http: bool = True,
    **overrides: float | int | str | None,
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
    if scale is None:
        scale = DEFAULT_SCALES.get(name, 1.0)
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


def split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` as even as whole numbers go, the larger shares first."""
    share, extra = divmod(total, parts)
    return [share + (1 if index < extra else 0) for index in range(parts)]
