"""How the crowd behaves: when fans click, how long they think, who walks away, who comes back
later, and who hammers the endpoint ignoring Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from flashsale.lab.crowd.arrivals import ArrivalCurve


@dataclass(frozen=True, slots=True)
class CrowdPlan:
    quantity: int = 1
    # Never pay: their reservations expire and go back on sale.
    abandon_share: float = 0.1
    # Try a declined test card first, then the good one, as a fan with two cards would.
    declined_share: float = 0.05
    # Of the fans who find the sale sold out, these come back once, after the payment window,
    # for the units the walkers-away gave back.
    return_share: float = 0.5
    # How long after the payment window they come back: the sweeper needs a moment too.
    return_margin_seconds: float = 2.0
    # Tries of one purchase on 503 or a dropped connection, all with the same Idempotency-Key.
    purchase_attempts: int = 6
    payment_attempts: int = 4
    retry_pause_seconds: float = 0.25
    seed: int | None = None
    # The fans were registered in bulk beforehand (in-process seeding): asking again over HTTP
    # would only send thousands of "already registered" answers into the opening second.
    preregistered: bool = False
    arrival: ArrivalCurve = field(default_factory=ArrivalCurve)
    # Mean seconds (exponential) a fan looks at the reservation before paying.
    think_seconds: float = 0.2
    # Bots and impatient scripts: they fire ``hammer_requests`` purchases back to back, each
    # with a new Idempotency-Key (a double click does not send one), and ignore Retry-After.
    abusive_share: float = 0.0
    hammer_requests: int = 10

    def __post_init__(self) -> None:
        for name in ("abandon_share", "declined_share", "return_share", "abusive_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {share}")
        if self.quantity < 1 or self.purchase_attempts < 1 or self.payment_attempts < 1:
            raise ValueError("quantity and attempts must be at least 1")
        if self.hammer_requests < 1:
            raise ValueError("hammer_requests must be at least 1")
        if self.think_seconds < 0:
            raise ValueError("think_seconds must not be negative")


@dataclass(frozen=True, slots=True)
class FanPlan:
    abandons: bool
    declined_first: bool
    returns: bool
    arrives_after: float = 0.0  # seconds after the opening of the first click
    thinks_for: float = 0.0  # seconds between the reservation and the payment
    abusive: bool = False


def _chosen(count: int, share: float, rng: random.Random) -> set[int]:
    """Exactly round(count * share) fans, so small crowds behave as the shares say."""
    return set(rng.sample(range(count), round(count * share)))


def assign_plans(count: int, plan: CrowdPlan) -> list[FanPlan]:
    rng = random.Random(plan.seed)
    abandons = _chosen(count, plan.abandon_share, rng)
    declined = _chosen(count, plan.declined_share, rng)
    returns = _chosen(count, plan.return_share, rng)
    abusive = _chosen(count, plan.abusive_share, rng)
    arrivals = plan.arrival.offsets(count, rng)
    return [
        FanPlan(
            abandons=i in abandons,
            declined_first=i in declined,
            returns=i in returns,
            arrives_after=arrivals[i],
            thinks_for=rng.expovariate(1 / plan.think_seconds) if plan.think_seconds else 0.0,
            abusive=i in abusive,
        )
        for i in range(count)
    ]
