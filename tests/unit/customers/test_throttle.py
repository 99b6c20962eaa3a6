"""Log-in limits: attempt buckets per address and account, stricter failure buckets that
successes never touch, and the bound on password hashes at once. A ManualClock throughout."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.customers.errors import TooManyAttempts
from flashsale.customers.security import PasswordHasher
from flashsale.customers.throttle import AuthLimits, AuthThrottle, per_minute
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import AuthenticationFailed, Busy, Conflict
from flashsale.kernel.rate_limit import Bucket
from flashsale.waiting_room.adapters.memory_state import MemoryRateLimiter
from tests.conftest import fast_settings

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"

# Attempts: 4 at once from an address, 3 at an account, one more a second. Failures: 2 from an
# address, 2 at an account, then one a minute.
LIMITS = AuthLimits(
    address_attempts=per_minute(4, 60),
    account_attempts=per_minute(3, 60),
    address_failures=per_minute(2, 1),
    account_failures=per_minute(2, 1),
)


class CountingLimiter(MemoryRateLimiter):
    """The in-process limiter, counting the calls that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def acquire(self, sale_id: str, buckets: Sequence[Bucket], now_ms: int) -> int:
        self.calls += 1
        return await super().acquire(sale_id, buckets, now_ms)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def limiter() -> CountingLimiter:
    return CountingLimiter()


@pytest.fixture
def throttle(limiter: CountingLimiter, clock: ManualClock) -> AuthThrottle:
    return AuthThrottle(limiter, clock, LIMITS)


async def refused(attempt: Any) -> int:
    """The seconds a TooManyAttempts says to wait."""
    with pytest.raises(TooManyAttempts) as refusal:
        await attempt
    return refusal.value.retry_after


async def test_an_address_gets_its_burst_then_waits_for_the_refill(
    throttle: AuthThrottle, clock: ManualClock
) -> None:
    for _ in range(4):
        await throttle.admit("10.0.0.1")
    assert await refused(throttle.admit("10.0.0.1")) == 1
    await throttle.admit("10.0.0.2")  # another address has its own bucket
    clock.advance(1)
    await throttle.admit("10.0.0.1")


async def test_an_account_is_limited_whichever_address_tries_it(throttle: AuthThrottle) -> None:
    for n in range(3):
        await throttle.admit(f"10.0.0.{n}", "fan@mi.com")
    assert await refused(throttle.admit("10.0.0.9", "fan@mi.com")) == 1
    await throttle.admit("10.0.0.9", "other@mi.com")


async def test_successes_never_draw_from_the_failure_buckets(
    throttle: AuthThrottle, clock: ManualClock
) -> None:
    # Twenty log-ins, well past the failure burst of two, none refused.
    for _ in range(20):
        await throttle.admit("10.0.0.1", "fan@mi.com")
        clock.advance(1)


async def test_failures_past_their_budget_are_refused_before_any_work(
    throttle: AuthThrottle, limiter: CountingLimiter, clock: ManualClock
) -> None:
    for _ in range(2):
        await throttle.admit("10.0.0.1", "fan@mi.com")
        await throttle.failed("10.0.0.1", "fan@mi.com")

    # Both failure buckets are dry: a minute until one has a token, and nothing asked of the
    # limiter meanwhile (no attempt token taken, no password hashed).
    calls = limiter.calls
    assert await refused(throttle.admit("10.0.0.1", "fan@mi.com")) == 60
    clock.advance(30)
    assert await refused(throttle.admit("10.0.0.1", "fan@mi.com")) == 30
    # The account is refused from any address, the address for any account.
    assert await refused(throttle.admit("10.0.0.2", "fan@mi.com")) == 30
    assert await refused(throttle.admit("10.0.0.1", "other@mi.com")) == 30
    assert limiter.calls == calls
    await throttle.admit("10.0.0.2", "other@mi.com")

    # A minute on, one failure's worth came back: one attempt, and the next waits again.
    clock.advance(30)
    await throttle.admit("10.0.0.1", "fan@mi.com")
    await throttle.failed("10.0.0.1", "fan@mi.com")
    assert await refused(throttle.admit("10.0.0.1", "fan@mi.com")) == 60


async def test_failures_spent_elsewhere_are_learnt_from_the_shared_buckets(
    limiter: CountingLimiter, clock: ManualClock
) -> None:
    # Two processes sharing one limiter: the second knows nothing of the first's failures.
    here, there = AuthThrottle(limiter, clock, LIMITS), AuthThrottle(limiter, clock, LIMITS)
    for _ in range(2):
        await there.failed("10.0.0.1", "fan@mi.com")
    await here.admit("10.0.0.1", "fan@mi.com")
    assert await refused(here.failed("10.0.0.1", "fan@mi.com")) == 60
    assert await refused(here.admit("10.0.0.1", "fan@mi.com")) == 60


async def test_a_dry_account_does_not_spare_the_address_its_failure(
    throttle: AuthThrottle,
) -> None:
    # Two addresses use up the account's failures; the third's failure is still its address's.
    await throttle.failed("10.0.0.1", "fan@mi.com")
    await throttle.failed("10.0.0.2", "fan@mi.com")
    await refused(throttle.failed("10.0.0.3", "fan@mi.com"))
    await throttle.failed("10.0.0.3", None)
    assert await refused(throttle.admit("10.0.0.3")) == 60


async def test_what_it_remembers_is_bounded(limiter: CountingLimiter, clock: ManualClock) -> None:
    throttle = AuthThrottle(limiter, clock, LIMITS, max_remembered=2)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        for _ in range(2):
            await throttle.failed(address)
    # Past two, the oldest were forgotten; a dry bucket forgotten is found dry by its next
    # failure.
    await throttle.admit("10.0.0.1")
    assert await refused(throttle.failed("10.0.0.1")) == 60
    assert await refused(throttle.admit("10.0.0.1")) == 60


# -- through the Accounts use cases -------------------------------------------------------


@pytest.fixture
async def shop(clock: ManualClock) -> AsyncIterator[Shop]:
    settings = fast_settings(
        auth_address_attempts=100,
        auth_account_attempts=100,
        auth_address_failures=3,
        auth_address_failures_per_minute=1,
        auth_account_failures=3,
        auth_account_failures_per_minute=1,
    )
    shop = await build_shop(settings, clock=clock)
    await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
    await shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    try:
        yield shop
    finally:
        await shop.aclose()


async def test_a_guesser_is_stopped_and_the_right_password_waits_too(
    shop: Shop, clock: ManualClock
) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            await shop.accounts.log_in("fan@mi.com", "wrong guess", address="10.0.0.1")
    with pytest.raises(TooManyAttempts):  # the email is normalised: the same account
        await shop.accounts.log_in(" Fan@MI.com", PASSWORD, address="10.0.0.3")
    clock.advance(60)
    assert await shop.accounts.log_in("fan@mi.com", PASSWORD, address="10.0.0.3")


async def test_taken_emails_tried_at_sign_up_count_as_failures(shop: Shop) -> None:
    for _ in range(3):
        with pytest.raises(Conflict):
            await shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN", address="10.0.0.1")
    with pytest.raises(TooManyAttempts):
        await shop.accounts.sign_up("new@mi.com", PASSWORD, "IN", address="10.0.0.1")
    assert await shop.accounts.sign_up("new@mi.com", PASSWORD, "IN", address="10.0.0.2")


async def test_callers_that_are_not_clients_are_not_limited(shop: Shop) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            await shop.accounts.log_in("fan@mi.com", "wrong guess")
    assert await shop.accounts.log_in("fan@mi.com", PASSWORD)


# -- the bound on hashes at once ----------------------------------------------------------


class BlockingArgon2:
    """Stands in for argon2: every call waits for ``go``."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.started = threading.Semaphore(0)

    def hash(self, password: str) -> str:
        self.started.release()
        self.go.wait(10)
        return f"hash-of-{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.started.release()
        self.go.wait(10)
        return password_hash == f"hash-of-{password}"


async def started(argon2: BlockingArgon2, count: int) -> None:
    for _ in range(count):
        assert await asyncio.to_thread(argon2.started.acquire, True, 10)


async def test_hashes_past_the_running_and_waiting_ones_are_refused_at_once() -> None:
    hasher = PasswordHasher(1, 8, concurrency=2, queue=1)
    argon2 = hasher._argon2 = BlockingArgon2()  # type: ignore[assignment]
    running = [asyncio.create_task(hasher.hash(f"p{n}")) for n in range(3)]
    await started(argon2, 2)  # two run, the third waits for one of them
    with pytest.raises(Busy) as busy:
        await hasher.verify("hash-of-p", "p")
    assert busy.value.retry_after == 1
    argon2.go.set()
    assert await asyncio.gather(*running) == ["hash-of-p0", "hash-of-p1", "hash-of-p2"]
    assert await hasher.verify("hash-of-p", "p")  # room again


async def test_a_caller_who_gives_up_frees_no_slot_until_its_thread_is_done() -> None:
    hasher = PasswordHasher(1, 8, concurrency=1, queue=0)
    argon2 = hasher._argon2 = BlockingArgon2()  # type: ignore[assignment]
    abandoned = asyncio.create_task(hasher.hash("p"))
    await started(argon2, 1)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    with pytest.raises(Busy):  # its thread still runs argon2
        await hasher.hash("q")
    argon2.go.set()
    for _ in range(100):
        await asyncio.sleep(0.01)
        try:
            assert await hasher.hash("q") == "hash-of-q"
            break
        except Busy:
            continue
    else:
        pytest.fail("the slot never came back")
