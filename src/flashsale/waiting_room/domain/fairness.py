"""Verifiable fairness of the pre-queue: commit to a secret seed, shuffle by it, reveal it later.

Before registration closes the sale publishes ``commitment(seed)`` (SHA-256 of the seed). At the
opening the pre-queue is ordered by a keyed hash of each customer under the seed: nobody can
predict it without the seed, so sorting by it is a uniform random permutation that the operator
could not have steered after committing.

The published order names no customer: customer ids are time-ordered, so a list of them would
tell everyone when each fan signed up. Each customer appears as a *pseudonym*,
``HMAC-SHA256(pseudonym_key(seed), customer id)`` (truncated to 128 bits), a key of its own
derived from the seed, so the pseudonyms of one sale link to no other sale's. The order is
``HMAC-SHA256(seed, pseudonym)`` ascending, a function of the seed and the pseudonyms alone.

After the sale the seed is revealed; then anyone can check the commitment and recompute the
order from the published pseudonyms (``verify``), and each customer can recompute their own
pseudonym from the seed and their id and find it in the list (``pseudonym``): together, every
real customer is where the committed seed puts them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SEED_BYTES = 32
PSEUDONYM_HEX = 32  # 128 bits: no two customers of a sale share one in practice
_PSEUDONYM_LABEL = b"flashsale.fairness.pseudonym"


def commitment(seed: bytes) -> str:
    """The public promise: SHA-256 of the seed, in hex."""
    return hashlib.sha256(seed).hexdigest()


def pseudonym_key(seed: bytes) -> bytes:
    """The sale's pseudonym key: derived from the seed under a label of its own, so a
    pseudonym is never the order key of some other input."""
    return hmac.new(seed, _PSEUDONYM_LABEL, hashlib.sha256).digest()


def pseudonym(seed: bytes, customer_id: str) -> str:
    """What the published pre-queue calls the customer in this sale."""
    return _pseudonym(pseudonym_key(seed), customer_id)


def pseudonyms(seed: bytes, customer_ids: Iterable[str]) -> dict[str, str]:
    """Each customer's pseudonym, by customer id."""
    key = pseudonym_key(seed)
    return {c: _pseudonym(key, c) for c in customer_ids}


def _pseudonym(key: bytes, customer_id: str) -> str:
    return hmac.new(key, customer_id.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def order_key(seed: bytes, pseudonym: str) -> bytes:
    return hmac.new(seed, pseudonym.encode(), hashlib.sha256).digest()


def ranked(seed: bytes, published: Iterable[str]) -> list[str]:
    """Pseudonyms in the order the seed gives them. Ties (a 2**-256 event) fall back to the
    pseudonym, so the order is a function of the seed and the set of pseudonyms alone."""
    return sorted(set(published), key=lambda p: (order_key(seed, p), p))


def shuffled(seed: bytes, customer_ids: Iterable[str]) -> list[str]:
    """The pre-queue in its fair order: the customers whose pseudonyms ``ranked`` gives in
    that order (the id breaks a tie of pseudonyms, a 2**-128 event)."""
    by_customer = pseudonyms(seed, set(customer_ids))
    return sorted(by_customer, key=lambda c: (order_key(seed, by_customer[c]), by_customer[c], c))


@dataclass(frozen=True, slots=True)
class Verification:
    commitment_ok: bool
    order_ok: bool
    checked: int
    # (position, published pseudonym, pseudonym the seed puts there), at most a few.
    mismatches: tuple[tuple[int, str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.order_ok


MAX_MISMATCHES_SHOWN = 10


def verify(
    seed: bytes, published_commitment: str, positions: Sequence[tuple[str, int]]
) -> Verification:
    """Check a revealed seed against its commitment and the published ``(pseudonym, position)``.

    Positions must run 1..n without gaps, in the order ``ranked`` gives for those pseudonyms.
    """
    commitment_ok = hmac.compare_digest(commitment(seed), published_commitment.lower())
    by_position = sorted(positions, key=lambda p: p[1])
    published = [name for name, _ in by_position]
    contiguous = [position for _, position in by_position] == list(range(1, len(by_position) + 1))
    expected = ranked(seed, published)
    mismatches = tuple(
        (position, got, want)
        for position, (got, want) in enumerate(zip(published, expected, strict=False), start=1)
        if got != want
    )[:MAX_MISMATCHES_SHOWN]
    order_ok = contiguous and len(expected) == len(published) and not mismatches
    return Verification(commitment_ok, order_ok, len(published), mismatches)
