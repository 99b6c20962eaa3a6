"""Tills: added to a store with a token shown once, revoked for good, and recognised by their
token on every POS call (through the process's ``TillRegister``: a revocation here counts at
once, one in another process within the register's few seconds)."""

from __future__ import annotations

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import AuthenticationFailed, NotFound
from flashsale.stores.domain.till import TOKEN_PREFIX, Till, new_till, token_hash
from flashsale.stores.ports import StoreRepository
from flashsale.stores.service.till_register import TillRegister

REVOKED = "this till has been revoked"
UNKNOWN = "not a till token"


class Tills:
    def __init__(self, store: StoreRepository, clock: Clock, register: TillRegister) -> None:
        self._store = store
        self._clock = clock
        self._register = register

    async def add(self, store_code: str, name: str) -> tuple[Till, str]:
        """The till and its token; 404 when there is no such store."""
        code = store_code.strip().upper()
        if await self._store.store_profile(code) is None:
            raise NotFound(f"no store {code[:40]}")
        till, token = new_till(code, name, self._clock.now())
        await self._store.till_add(till)
        return till, token

    async def of_store(self, store_code: str) -> list[Till]:
        return await self._store.tills(store_code.strip().upper())

    async def revoke(self, store_code: str, till_id: str) -> Till:
        found = await self._store.till_revoke(
            store_code.strip().upper(), till_id, self._clock.now()
        )
        if found is None:
            raise NotFound(f"no till {till_id[:80]} at {store_code[:40]}")
        self._register.forget_till(found)
        return found

    async def authenticate(self, token: str) -> Till:
        """The live till of this token; 401 for an unknown or revoked one."""
        if not token.startswith(TOKEN_PREFIX):
            raise AuthenticationFailed(UNKNOWN)
        till = await self._register.till(token_hash(token))
        if till is None:
            raise AuthenticationFailed(UNKNOWN)
        if not till.active:
            raise AuthenticationFailed(REVOKED)
        return till
