"""The pre-queue order: committed in advance, a uniform shuffle, checkable by anyone, and
published under per-sale pseudonyms rather than customer ids."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections import Counter

from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.domain.proof_of_work import leading_zero_bits, solve, solves

CUSTOMERS = ["cus_a", "cus_b", "cus_c", "cus_d"]
RUNS = 24 * 400
# Chi-square with 23 degrees of freedom: P(X > 49.73) = 0.001. The seeds are fixed, so the
# statistic is one number: the test cannot flake, and a biased shuffle lands far above it.
CHI_SQUARE_LIMIT = 49.73


def seed(n: int) -> bytes:
    return hashlib.sha256(f"test-seed-{n}".encode()).digest()


def test_the_commitment_is_the_sha256_of_the_seed() -> None:
    s = seed(1)
    assert fairness.commitment(s) == hashlib.sha256(s).hexdigest()
    assert fairness.commitment(s) != fairness.commitment(seed(2))


def test_the_order_depends_on_the_seed_and_the_set_of_customers_only() -> None:
    s = seed(7)
    assert fairness.shuffled(s, CUSTOMERS) == fairness.shuffled(s, reversed(CUSTOMERS))
    assert fairness.shuffled(s, [*CUSTOMERS, "cus_a"]) == fairness.shuffled(s, CUSTOMERS)
    assert sorted(fairness.shuffled(s, CUSTOMERS)) == sorted(CUSTOMERS)


def test_the_pre_queue_order_is_a_uniform_shuffle() -> None:
    seen = Counter(tuple(fairness.shuffled(seed(n), CUSTOMERS)) for n in range(RUNS))
    permutations = list(itertools.permutations(sorted(CUSTOMERS)))
    assert set(seen) == set(permutations)  # every order can happen
    expected = RUNS / len(permutations)
    chi_square = sum((seen[p] - expected) ** 2 / expected for p in permutations)
    assert chi_square < CHI_SQUARE_LIMIT, chi_square
    # and each customer is first about a quarter of the time
    first = Counter(order[0] for order in seen.elements())
    assert all(abs(first[c] / RUNS - 0.25) < 0.03 for c in CUSTOMERS), first


def test_a_biased_order_fails_the_same_statistic() -> None:
    """The statistic has teeth: alphabetical order half of the time is far above the limit."""
    orders = [
        tuple(sorted(CUSTOMERS)) if n % 2 else tuple(fairness.shuffled(seed(n), CUSTOMERS))
        for n in range(RUNS)
    ]
    seen = Counter(orders)
    expected = RUNS / 24
    chi_square = sum(
        (seen[p] - expected) ** 2 / expected for p in itertools.permutations(sorted(CUSTOMERS))
    )
    assert chi_square > CHI_SQUARE_LIMIT


def published(s: bytes, customers: list[str]) -> list[tuple[str, int]]:
    """The pre-queue as the report publishes it: (pseudonym, position)."""
    names = fairness.pseudonyms(s, customers)
    return [(names[c], i) for i, c in enumerate(fairness.shuffled(s, customers), start=1)]


def test_the_published_order_names_no_customer_and_each_finds_their_own_line() -> None:
    s = seed(3)
    customers = [f"cus_0195{n:04d}" for n in range(50)]
    positions = published(s, customers)
    shown = repr(positions)
    assert not any(c in shown for c in customers) and "cus_" not in shown
    assert all(len(name) == fairness.PSEUDONYM_HEX for name, _ in positions)
    # A fan recomputes their pseudonym from the revealed seed and their id, and finds their
    # place: the one the seed gives them.
    order = fairness.shuffled(s, customers)
    for customer in customers:
        mine = fairness.pseudonym(s, customer)
        assert (mine, order.index(customer) + 1) in positions


def test_pseudonyms_are_per_sale_and_no_order_key() -> None:
    a, b = seed(1), seed(2)
    assert fairness.pseudonym(a, "cus_1") != fairness.pseudonym(b, "cus_1")
    assert fairness.pseudonym(a, "cus_1") != fairness.pseudonym(a, "cus_2")
    # Derived under a label of its own: not the keyed hash of the id under the seed itself.
    keyed_by_seed = hmac.new(a, b"cus_1", hashlib.sha256).hexdigest()[:32]
    assert fairness.pseudonym(a, "cus_1") != keyed_by_seed
    assert fairness.pseudonym_key(a) != a


def test_the_order_is_recomputed_from_the_seed_and_the_pseudonyms_alone() -> None:
    s = seed(8)
    customers = [f"cus_{n}" for n in range(20)]
    names = fairness.pseudonyms(s, customers)
    by_seed = [names[c] for c in fairness.shuffled(s, customers)]
    assert fairness.ranked(s, names.values()) == by_seed
    assert fairness.ranked(s, reversed(by_seed)) == by_seed


def test_verify_accepts_the_published_order() -> None:
    s = seed(3)
    customers = [f"cus_{n}" for n in range(50)]
    check = fairness.verify(s, fairness.commitment(s), published(s, customers))
    assert check.ok and check.checked == 50 and not check.mismatches


def test_verify_detects_a_tampered_order() -> None:
    s = seed(3)
    positions = published(s, [f"cus_{n}" for n in range(50)])
    (a, pa), (b, pb) = positions[4], positions[30]
    positions[4], positions[30] = (b, pa), (a, pb)  # two customers swapped places
    check = fairness.verify(s, fairness.commitment(s), positions)
    assert not check.ok and check.commitment_ok and not check.order_ok
    assert [m[0] for m in check.mismatches] == [5, 31]


def test_verify_detects_a_seed_that_is_not_the_committed_one() -> None:
    s = seed(3)
    positions = published(seed(4), ["cus_1", "cus_2", "cus_3"])
    check = fairness.verify(seed(4), fairness.commitment(s), positions)
    assert not check.commitment_ok and not check.ok


def test_verify_detects_gaps_and_someone_inserted() -> None:
    s = seed(5)
    positions = published(s, ["cus_1", "cus_2", "cus_3"])
    gap = [(c, p if p < 3 else 4) for c, p in positions]
    assert not fairness.verify(s, fairness.commitment(s), gap).ok
    names = [name for name, _ in positions]
    # Someone the seed would not put first, inserted at the front.
    vip = next(
        p
        for p in (fairness.pseudonym(s, f"cus_vip{n}") for n in range(20))
        if fairness.ranked(s, [p, *names])[0] != p
    )
    inserted = [(vip, 1), *((c, p + 1) for c, p in positions)]
    assert not fairness.verify(s, fairness.commitment(s), inserted).ok


def test_proof_of_work_costs_the_client_and_one_hash_to_check() -> None:
    nonce = solve("challenge", 10)
    assert solves("challenge", nonce, 10)
    digest = hashlib.sha256(f"challenge:{nonce}".encode()).digest()
    assert leading_zero_bits(digest) >= 10
    assert not solves("another challenge", nonce, 10) or solves("another challenge", nonce, 0)
    assert solves("anything", "x", 0)
    assert leading_zero_bits(b"\x00\x0f" + b"\xff" * 30) == 12
