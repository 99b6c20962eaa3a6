"""The live tills and each store's clerks, as every POS call checks them, kept per process.

Every call of a till names its token and its clerk; read from the record each time, that was
two reads a sale (on PostgreSQL each a pooled connection, a BEGIN and a ROLLBACK), most of the
server's CPU for a sale over HTTP (benchmarks/pos.py --http). So the live tills and the stores'
clerks are read whole, two queries, at most once a ``ttl`` (5 s), by one caller while the
others wait for its answer, and every call is checked against that copy.

How fresh the copy is, which is what security depends on:

- revoked, or clerks replaced, **in this process** (the admin API, the page): at once, since
  ``Tills.revoke`` and ``StoreDirectory.put_clerks`` tell the register (``forget_till``,
  ``forget_clerks``) after their write;
- **in another process** (another worker of ``serve --workers N``, the command line, another
  server): within the ``ttl``, as a disabled staff member's session ends within the staff
  directory's cache (1 s);
- a token the copy does not know (a till added since, or no till at all) is read from the
  record alone and never remembered when it is unknown or revoked, so a new till works at
  once and a guessed token costs one indexed read, as before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from flashsale.kernel.clock import Clock
from flashsale.kernel.single_flight import SingleFlight
from flashsale.stores.domain.till import Till

REGISTER_TTL = timedelta(seconds=5)


class TillReader(Protocol):
    async def till_by_token_hash(self, token_hash: str) -> Till | None: ...

    async def tills_live(self) -> list[Till]: ...

    async def store_clerks(self, code: str) -> list[str]: ...

    async def store_clerks_by_store(self) -> dict[str, list[str]]: ...


class TillRegister:
    def __init__(self, store: TillReader, clock: Clock, ttl: timedelta = REGISTER_TTL) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl
        self._tills: dict[str, Till] = {}  # live tills by token hash
        self._clerks: dict[str, frozenset[str]] = {}  # staff ids by store code
        self._read_at: datetime | None = None
        self._reads: SingleFlight[None, None] = SingleFlight()
        # Bumped by every forget: a whole read that began before one does not bring back
        # what it forgot.
        self._changes = 0

    async def till(self, token_hash: str) -> Till | None:
        """The till of this token hash, revoked or not, or None when there is none."""
        await self._fresh()
        known = self._tills.get(token_hash)
        if known is not None:
            return known
        changes = self._changes
        found = await self._store.till_by_token_hash(token_hash)
        if found is not None and found.active and changes == self._changes:
            self._tills[token_hash] = found
        return found

    async def clerks(self, store_code: str) -> frozenset[str]:
        """The staff ids of the store's clerks."""
        await self._fresh()
        known = self._clerks.get(store_code)
        if known is None:
            changes = self._changes
            known = frozenset(await self._store.store_clerks(store_code))
            if changes == self._changes:
                self._clerks[store_code] = known
        return known

    def forget_till(self, till: Till) -> None:
        """A till revoked in this process: its next call reads the record."""
        self._changes += 1
        self._tills.pop(till.token_hash, None)

    def forget_clerks(self, store_code: str) -> None:
        """A store's clerks replaced in this process: its next call reads the record."""
        self._changes += 1
        self._clerks.pop(store_code, None)

    async def _fresh(self) -> None:
        if self._read_at is not None and self._clock.now() - self._read_at < self._ttl:
            return
        await self._reads.do(None, self._read_all)

    async def _read_all(self) -> None:
        started, changes = self._clock.now(), self._changes
        tills = {t.token_hash: t for t in await self._store.tills_live()}
        clerks = {
            code: frozenset(ids)
            for code, ids in (await self._store.store_clerks_by_store()).items()
        }
        if changes != self._changes:
            return  # something was forgotten meanwhile: read again on the next call
        self._tills, self._clerks, self._read_at = tills, clerks, started
