"""Verifiable fairness of the pre-queue: commit to a secret seed, shuffle by it, reveal it later.

Before registration closes the sale publishes ``commitment(seed)`` (SHA-256 of the seed). At the
opening the pre-queue is ordered by ``HMAC-SHA256(seed, customer id)``: a keyed hash nobody can
predict without the seed, so sorting by it is a uniform random permutation that the operator could
not have steered after committing. After the sale the seed is revealed; anyone can then check the
commitment and recompute the order from the published list of customers (``verify``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SEED_BYTES = 32


def commitment(seed: bytes) -> str:
    """The public promise: SHA-256 of the seed, in hex."""
    return hashlib.sha256(seed).hexdigest()


def shuffle_key(seed: bytes, customer_id: str) -> bytes:
    return hmac.new(seed, customer_id.encode(), hashlib.sha256).digest()


def shuffled(seed: bytes, customer_ids: Iterable[str]) -> list[str]:
    """The pre-queue in its fair order. Ties (a 2**-256 event) fall back to the id, so the
    order is a function of the seed and the set of customers alone."""
    return sorted(set(customer_ids), key=lambda c: (shuffle_key(seed, c), c))


@dataclass(frozen=True, slots=True)
class Verification:
    commitment_ok: bool
    order_ok: bool
    checked: int
    # (position, published customer, customer the seed puts there), at most a few.
    mismatches: tuple[tuple[int, str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.order_ok


MAX_MISMATCHES_SHOWN = 10


def verify(
    seed: bytes, published_commitment: str, positions: Sequence[tuple[str, int]]
) -> Verification:
    """Check a revealed seed against its commitment and the published ``(customer, position)``.

    Positions must run 1..n without gaps, in the order ``shuffled`` gives for those customers.
    """
    commitment_ok = hmac.compare_digest(commitment(seed), published_commitment.lower())
    by_position = sorted(positions, key=lambda p: p[1])
    published = [customer for customer, _ in by_position]
    contiguous = [position for _, position in by_position] == list(range(1, len(by_position) + 1))
    expected = shuffled(seed, published)
    mismatches = tuple(
        (position, got, want)
        for position, (got, want) in enumerate(zip(published, expected, strict=False), start=1)
        if got != want
    )[:MAX_MISMATCHES_SHOWN]
    order_ok = contiguous and len(expected) == len(published) and not mismatches
    return Verification(commitment_ok, order_ok, len(published), mismatches)
