"""Sign-up, log-in, log-out, a new password, and who a session token belongs to.

A sign-up or log-in from a client names its address, and passes the throttle (throttle.py)
before any password is hashed; callers that are not a client (seeding, the tests) name none.
"""

from __future__ import annotations

from collections.abc import Sequence

from flashsale.catalog.service import Catalog
from flashsale.customers.model import Customer, check_password_strength, normalize_email
from flashsale.customers.ports import CustomerRepository
from flashsale.customers.security import PasswordHasher, SessionTokens
from flashsale.customers.session_registry import SessionRegistry
from flashsale.customers.throttle import AuthThrottle
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import AuthenticationFailed, Conflict, Forbidden, InvalidInput
from flashsale.kernel.ids import new_id


class Accounts:
    def __init__(
        self,
        store: CustomerRepository,
        catalog: Catalog,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: SessionTokens,
        throttle: AuthThrottle,
        sessions: SessionRegistry,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle
        self._sessions = sessions

    async def sign_up(
        self, email: str, password: str, market_code: str, *, address: str | None = None
    ) -> Customer:
        normalized = normalize_email(email)
        check_password_strength(password)
        if address is not None:
            await self._throttle.admit(address, normalized)
        market = await self._catalog.find_market(market_code)
        if market is None:
            raise InvalidInput(f"no market {market_code!r}")
        if await self._store.customer_by_email(normalized) is not None:
            # Trying emails at sign-up finds out who has an account: a failure like a log-in's.
            if address is not None:
                await self._throttle.failed(address, normalized)
            raise Conflict("a customer with this email exists already")
        customer = Customer(
            id=new_id("cus"),
            email=normalized,
            password_hash=await self._hasher.hash(password),
            market_code=market.code,
            created_at=self._clock.now(),
        )
        await self._store.add_customers([customer])
        return customer

    async def customer(self, customer_id: str) -> Customer | None:
        return await self._store.customer(customer_id)

    async def customers(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        """Several customers in one read, by id (those that exist)."""
        return await self._store.customers_by_id(customer_ids)

    async def by_email(self, email: str) -> Customer | None:
        """The customer of this email (any case); None for none, or for no email at all."""
        try:
            return await self._store.customer_by_email(normalize_email(email))
        except InvalidInput:
            return None

    async def search(self, text: str, limit: int = 50) -> list[Customer]:
        """The customer of this id, or those whose email starts with ``text`` (any case)."""
        text = text.strip()
        if text.startswith("cus_"):
            found = await self._store.customer(text)
            return [found] if found is not None else []
        return await self._store.customers_by_email_prefix(text.lower(), limit)

    async def log_in(self, email: str, password: str, *, address: str | None = None) -> str:
        try:
            normalized = normalize_email(email)
        except InvalidInput:
            normalized = ""
        customer = await self._checked(normalized or None, password, address)
        return self._tokens.issue(customer.id, customer.session_generation)

    async def _checked(self, email: str | None, password: str, address: str | None) -> Customer:
        """The customer whose password this is, through the throttle; 401 otherwise."""
        if address is not None:
            await self._throttle.admit(address, email)
        customer = await self._store.customer_by_email(email) if email else None
        stored_hash = customer.password_hash if customer else None
        if not await self._hasher.verify(stored_hash, password) or customer is None:
            if address is not None:
                await self._throttle.failed(address, email)
            raise AuthenticationFailed("wrong email or password")
        return customer

    def customer_id_of(self, token: str) -> str:
        """Whose session this is: on every purchase, so no read of the record."""
        claim = self._tokens.claim(token)
        if self._sessions.is_revoked(claim):
            raise AuthenticationFailed("this session has ended; log in again")
        return claim.subject

    async def log_out(self, token: str) -> None:
        """End the session of this token (401 if it is not a live one)."""
        self.customer_id_of(token)
        await self._sessions.end(self._tokens.claim(token), self._tokens.ttl_seconds)

    async def log_out_everywhere(self, customer_id: str) -> None:
        await self._sessions.end_all(customer_id)

    async def change_password(
        self,
        customer_id: str,
        current_password: str,
        new_password: str,
        *,
        address: str | None = None,
    ) -> str:
        """A new password ends every session, this one too; the answer is a new session."""
        check_password_strength(new_password)
        customer = await self._store.customer(customer_id)
        if customer is None:
            raise AuthenticationFailed("this session has ended; log in again")
        try:
            await self._checked(customer.email, current_password, address)
        except AuthenticationFailed as exc:  # the session is fine: 403, not 401
            raise Forbidden("the current password is not right") from exc
        password_hash = await self._hasher.hash(new_password)
        generation = await self._sessions.change_password(customer_id, password_hash)
        if generation is None:
            raise AuthenticationFailed("this session has ended; log in again")
        return self._tokens.issue(customer_id, generation)
