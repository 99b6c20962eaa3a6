"""The staff directory: adding staff, their log-in and sessions, disabling them.

A staff token is signed and checked like a customer's, and ended the same way (the
``SessionRegistry``, polled across processes). Whether its member is still active is read from
the record and kept for ``cache_seconds`` per process (the revocation poll's period): staff
calls are not the purchase path, and a read per member a second is nothing, while disabling
someone takes hold at once in the process that did it and within that period in the others.
That period is real seconds of this process (``time.monotonic``), not the shop's clock: a
rehearsal's clock runs a simulated minute a step, and read on it every agent's request would
read the member again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flashsale.catalog.service import Catalog
from flashsale.customers.model import check_password_strength, normalize_email
from flashsale.customers.security import PasswordHasher
from flashsale.customers.session_registry import SessionRegistry
from flashsale.customers.throttle import AuthThrottle
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from flashsale.kernel.ids import new_id
from flashsale.kernel.single_flight import SingleFlight
from flashsale.staff.model import (
    StaffMember,
    parse_languages,
    parse_market_codes,
    parse_roles,
)
from flashsale.staff.ports import StaffRepository
from flashsale.staff.tokens import StaffTokens

ENDED = "this staff session has ended; log in again"


@dataclass(frozen=True, slots=True)
class StaffSpec:
    email: str
    password: str
    roles: Iterable[str]
    markets: Iterable[str] = ()
    languages: Iterable[str] = ()


class StaffDirectory:
    def __init__(
        self,
        store: StaffRepository,
        catalog: Catalog,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: StaffTokens,
        throttle: AuthThrottle,
        sessions: SessionRegistry,
        *,
        cache_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle
        self._sessions = sessions
        self._cache_for = cache_seconds
        self._monotonic = monotonic
        # Member id -> the member and when it was read. Only ids from tokens we signed get in,
        # so it holds at most the staff who have sessions.
        self._known: dict[str, tuple[StaffMember, float]] = {}
        self._reads: SingleFlight[str, StaffMember | None] = SingleFlight()

    async def add(self, spec: StaffSpec) -> StaffMember:
        """A new, active member; 422 for a bad email, password, role, market or language, 409
        when the email is taken. Everything is checked before anything is stored."""
        email = normalize_email(spec.email)
        check_password_strength(spec.password)
        roles = parse_roles(spec.roles)
        languages = parse_languages(spec.languages)
        markets = parse_market_codes(spec.markets)
        sold_in = {market.code for market in await self._catalog.markets()}
        unknown = sorted(markets - sold_in)
        if unknown:
            raise InvalidInput(f"the shop sells in no market {', '.join(unknown)}")
        if await self._store.staff_member_by_email(email) is not None:
            raise Conflict("a staff member with this email exists already")
        member = StaffMember(
            id=new_id("stf"),
            email=email,
            password_hash=await self._hasher.hash(spec.password),
            roles=roles,
            markets=markets,
            languages=languages,
            created_at=self._clock.now(),
        )
        await self._store.add_staff_member(member)  # a racing twin's email: Conflict
        return member

    async def members(self) -> list[StaffMember]:
        return await self._store.staff_members()

    async def find(self, id_or_email: str) -> StaffMember | None:
        """A member by id (``stf_…``) or by email."""
        if "@" not in id_or_email:
            return await self._store.staff_member(id_or_email.strip())
        try:
            email = normalize_email(id_or_email)
        except InvalidInput:
            return None
        return await self._store.staff_member_by_email(email)

    async def log_in(self, email: str, password: str, *, address: str | None = None) -> str:
        """A staff token; 401 for a wrong email or password, 403 for a disabled member."""
        try:
            normalized = normalize_email(email)
        except InvalidInput:
            normalized = ""
        # Buckets of their own: failures at a customer account of the same email spend none
        # of the staff member's.
        account = f"staff:{normalized}" if normalized else None
        if address is not None:
            await self._throttle.admit(address, account)
        member = await self._store.staff_member_by_email(normalized) if normalized else None
        stored_hash = member.password_hash if member else None
        if not await self._hasher.verify(stored_hash, password) or member is None:
            if address is not None:
                await self._throttle.failed(address, account)
            raise AuthenticationFailed("wrong email or password")
        if not member.active:
            raise Forbidden("this staff member is disabled")
        return self._tokens.issue(member.id, member.session_generation)

    async def member_of(self, token: str) -> StaffMember:
        """The member whose live session this is; 401 when it is not one (any more)."""
        claim = self._tokens.claim(token)
        if self._sessions.is_revoked(claim):
            raise AuthenticationFailed(ENDED)
        member = await self._current(claim.subject)
        if member is None or not member.active or claim.generation < member.session_generation:
            raise AuthenticationFailed(ENDED)
        return member

    def recognises(self, token: str) -> bool:
        """Whether this is a staff token at all, live or not."""
        return self._tokens.recognises(token)

    async def log_out(self, token: str) -> None:
        """End this session on every API process (401 if it is not a live one)."""
        await self.member_of(token)
        await self._sessions.end(self._tokens.claim(token), self._tokens.ttl_seconds)

    async def disable(self, id_or_email: str) -> StaffMember:
        """Disable the member and end every session of theirs; 404 when there is none."""
        member = await self.find(id_or_email)
        disabled = None if member is None else await self._store.disable_staff_member(member.id)
        if disabled is None:
            raise NotFound(f"no staff member {id_or_email!r}")
        self._known[disabled.id] = (disabled, self._monotonic())
        return disabled

    async def _current(self, staff_id: str) -> StaffMember | None:
        now = self._monotonic()
        known = self._known.get(staff_id)
        if known is not None and now - known[1] < self._cache_for:
            return known[0]
        # Every request of the member's in flight when the cache lapses shares one read.
        return await self._reads.do(staff_id, lambda: self._read(staff_id, now))

    async def _read(self, staff_id: str, now: float) -> StaffMember | None:
        member = await self._store.staff_member(staff_id)
        if member is None:
            self._known.pop(staff_id, None)
        else:
            self._known[staff_id] = (member, now)
        return member
