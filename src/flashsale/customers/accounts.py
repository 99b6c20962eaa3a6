"""Sign-up, log-in and who a session token belongs to.

A sign-up or log-in from a client names its address, and passes the throttle (throttle.py)
before any password is hashed; callers that are not a client (seeding, the tests) name none.
"""

from __future__ import annotations

from flashsale.catalog.service import Catalog
from flashsale.customers.model import Customer, check_password_strength, normalize_email
from flashsale.customers.ports import CustomerRepository
from flashsale.customers.security import PasswordHasher, SessionTokens
from flashsale.customers.throttle import AuthThrottle
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import AuthenticationFailed, Conflict, InvalidInput
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
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle

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

    async def log_in(self, email: str, password: str, *, address: str | None = None) -> str:
        try:
            normalized = normalize_email(email)
        except InvalidInput:
            normalized = ""
        if address is not None:
            await self._throttle.admit(address, normalized or None)
        customer = await self._store.customer_by_email(normalized) if normalized else None
        stored_hash = customer.password_hash if customer else None
        if not await self._hasher.verify(stored_hash, password) or customer is None:
            if address is not None:
                await self._throttle.failed(address, normalized or None)
            raise AuthenticationFailed("wrong email or password")
        return self._tokens.issue(customer.id)

    def customer_id_of(self, token: str) -> str:
        return self._tokens.customer_id(token)
