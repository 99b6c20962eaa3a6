"""Who is at the till: the device (its token) and the person (a clerk's staff session).

Both must hold: a revoked or unknown till token is 401 whoever is logged in, and a clerk who
does not work at the till's store is 403, so a till taken to another store, or a clerk's
session used on another store's till, sells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.kernel.errors import AuthenticationFailed
from flashsale.staff.model import StaffMember
from flashsale.stores.domain.till import Till
from flashsale.stores.errors import NotThisStoresClerk
from flashsale.stores.service.till_register import TillRegister
from flashsale.stores.service.tills import REVOKED, Tills


@dataclass(frozen=True, slots=True)
class PosCaller:
    till: Till
    clerk: StaffMember

    @property
    def store_code(self) -> str:
        return self.till.store_code

    @property
    def actor(self) -> str:
        return f"staff:{self.clerk.id}"


class PosSessions:
    def __init__(self, register: TillRegister, tills: Tills) -> None:
        self._register = register
        self._tills = tills

    async def open(self, till_token: str, clerk: StaffMember) -> PosCaller:
        return await self.at(await self._tills.authenticate(till_token), clerk)

    async def at(self, till: Till, clerk: StaffMember) -> PosCaller:
        """The clerk at this till, for a caller who holds the till already (the command line
        on the shop's own host); 403 when they are not a clerk of its store."""
        if not till.active:
            raise AuthenticationFailed(REVOKED)
        if clerk.id not in await self._register.clerks(till.store_code):
            raise NotThisStoresClerk(f"{clerk.email} is not a clerk of {till.store_code}")
        return PosCaller(till, clerk)
