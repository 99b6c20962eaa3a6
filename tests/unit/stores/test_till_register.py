"""The till register: the live tills and the stores' clerks read whole, at most once a few
seconds, by one caller; a revocation or new clerks in this process count at once, in another
process (here: written to the record behind the register's back) within the register's ttl; a
new till works at once and an unknown token is never remembered."""

from __future__ import annotations

import asyncio

import pytest

from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.stores.domain.till import Till, new_till, token_hash
from flashsale.stores.errors import NotThisStoresClerk
from flashsale.stores.service.till_register import REGISTER_TTL, TillRegister
from tests.unit.stores.test_point_of_sale import T0, clerk, opened

TTL = REGISTER_TTL.total_seconds()


class CountingRecord:
    """The register's reads of a record, counted, and held at a gate when asked."""

    def __init__(self, *tills: Till) -> None:
        self.tills = {t.token_hash: t for t in tills}
        self.clerks: dict[str, list[str]] = {"MH-BLR": ["stf_1"]}
        self.reads: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def till_by_token_hash(self, token_hash: str) -> Till | None:
        self.reads.append("till")
        return self.tills.get(token_hash)

    async def tills_live(self) -> list[Till]:
        self.reads.append("tills")
        await self.gate.wait()
        return [t for t in self.tills.values() if t.active]

    async def store_clerks(self, code: str) -> list[str]:
        self.reads.append(f"clerks:{code}")
        return self.clerks.get(code, [])

    async def store_clerks_by_store(self) -> dict[str, list[str]]:
        self.reads.append("clerks")
        return dict(self.clerks)


async def test_many_calls_at_once_read_the_record_once() -> None:
    till, _ = new_till("MH-BLR", "Till 1", T0)
    record = CountingRecord(till)
    register = TillRegister(record, ManualClock(T0))
    record.gate.clear()
    tills = [asyncio.create_task(register.till(till.token_hash)) for _ in range(20)]
    clerks = [asyncio.create_task(register.clerks("MH-BLR")) for _ in range(20)]
    await asyncio.sleep(0)
    record.gate.set()
    assert await asyncio.gather(*tills) == [till] * 20
    assert await asyncio.gather(*clerks) == [frozenset({"stf_1"})] * 20
    assert record.reads == ["tills", "clerks"]


async def test_an_unknown_token_is_read_every_time_and_a_new_till_at_once() -> None:
    record = CountingRecord()
    clock = ManualClock(T0)
    register = TillRegister(record, clock)
    assert await register.till("0" * 64) is None
    assert await register.till("0" * 64) is None
    assert record.reads.count("till") == 2  # a guessed token is never remembered
    added, _ = new_till("MH-BLR", "Till 2", T0)
    record.tills[added.token_hash] = added  # by another process, after the whole read
    assert await register.till(added.token_hash) == added
    assert await register.till(added.token_hash) == added
    assert record.reads.count("till") == 3  # remembered once read
    clock.advance(TTL)
    assert await register.till(added.token_hash) == added
    assert record.reads.count("tills") == 2 and record.reads.count("till") == 3


async def test_a_till_revoked_elsewhere_stops_within_the_ttl_and_here_at_once() -> None:
    store, stores, _, caller = await opened()
    clock = ManualClock(T0)
    # Its own clock: ``opened`` builds the services on one whose time never moves.
    register = TillRegister(store, clock)
    (till,) = await store.tills("MH-BLR")
    assert await register.till(till.token_hash) == till
    await store.till_revoke("MH-BLR", till.id, T0)  # another process
    clock.advance(TTL - 1)
    assert await register.till(till.token_hash) == till
    clock.advance(1)
    found = await register.till(till.token_hash)
    assert found is not None and not found.active

    # In this process: the services' own register is told.
    _, token = await stores.tills.add("MH-BLR", "Till 2")
    await stores.sessions.open(token, clerk(1))
    second = await stores.tills.authenticate(token)
    await stores.tills.revoke("MH-BLR", second.id)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        await stores.sessions.open(token, clerk(1))
    assert caller.till.id == till.id


async def test_clerks_replaced_here_count_at_once_and_elsewhere_within_the_ttl() -> None:
    store, stores, _, caller = await opened()
    _, token = await stores.tills.add("MH-BLR", "Till 2")
    await stores.sessions.open(token, clerk(1))
    await stores.directory.put_clerks("MH-BLR", ["stf_2"])
    with pytest.raises(NotThisStoresClerk):
        await stores.sessions.open(token, clerk(1))
    assert (await stores.sessions.open(token, clerk(2))).store_code == "MH-BLR"

    clock = ManualClock(T0)
    register = TillRegister(store, clock)
    assert await register.clerks("MH-BLR") == {"stf_2"}
    await store.store_put_clerks("MH-BLR", ["stf_1"])  # another process
    assert await register.clerks("MH-BLR") == {"stf_2"}
    clock.advance(TTL)
    assert await register.clerks("MH-BLR") == {"stf_1"}
    assert caller.clerk.id == "stf_1"


async def test_a_whole_read_under_way_does_not_bring_back_a_revoked_till() -> None:
    till, _ = new_till("MH-BLR", "Till 1", T0)
    record = CountingRecord(till)
    clock = ManualClock(T0)
    register = TillRegister(record, clock)
    assert await register.till(till.token_hash) == till
    clock.advance(TTL)
    record.gate.clear()
    reading = asyncio.create_task(register.till(token_hash("till_other")))
    await asyncio.sleep(0)  # the whole read started, and sees the till still live
    revoked = Till(till.id, till.store_code, till.name, till.token_hash, T0, revoked_at=T0)
    record.tills[till.token_hash] = revoked
    register.forget_till(revoked)
    record.gate.set()
    assert await reading is None
    assert await register.till(till.token_hash) == revoked
