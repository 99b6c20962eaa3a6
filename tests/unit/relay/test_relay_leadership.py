"""One relay per name publishes: beside an embedded SQLite file, processes take turns through a
lock file per role, which the kernel releases when its holder dies, however it dies."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from flashsale.bootstrap import build_shop, open_relay_leadership
from flashsale.platform.file_leadership import FileLockLeadership, lock_path
from tests.conftest import fast_settings

HOLD = """
import asyncio, sys
from flashsale.platform.file_leadership import FileLockLeadership
leadership = FileLockLeadership(sys.argv[1])
assert asyncio.run(leadership.leads("relay:warehouse"))
print("held", flush=True)
sys.stdin.read()
"""


async def test_one_holder_per_role_until_it_lets_go(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    first, second = FileLockLeadership(database), FileLockLeadership(database)
    assert await first.leads("relay:warehouse")
    assert await first.leads("relay:warehouse")  # still, without asking again
    assert not await second.leads("relay:warehouse")
    assert await second.leads("relay:pipeline")  # another role, another lock
    await first.close()
    assert await second.leads("relay:warehouse")
    await second.close()


def test_each_role_has_a_lock_file_of_its_own_beside_the_database(tmp_path: Path) -> None:
    beside = tmp_path / "shop.db"
    one, other = lock_path(beside, "relay:a/b"), lock_path(beside, "relay:a_b")
    assert one != other and one.parent == other.parent == tmp_path
    assert one.name.startswith("shop.db.relay_a_b.") and one.suffix == ".lock"


async def test_the_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD,
        str(database),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 60) == b"held\n"
        here = FileLockLeadership(database)
        assert not await here.leads("relay:warehouse")
    finally:
        holder.kill()
        await holder.wait()
    assert await here.leads("relay:warehouse")
    await here.close()


async def test_relays_beside_one_sqlite_file_lock_it_and_on_memory_the_shop_leads(
    tmp_path: Path,
) -> None:
    on_file = fast_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
    first, second = await build_shop(on_file), await build_shop(on_file)
    try:
        one, other = open_relay_leadership(first), open_relay_leadership(second)
        assert isinstance(one, FileLockLeadership)
        assert await one.leads("relay:x") and not await other.leads("relay:x")
        await one.close()
        await other.close()
    finally:
        await first.aclose()
        await second.aclose()
    in_memory = await build_shop(fast_settings())
    try:
        assert open_relay_leadership(in_memory) is in_memory.leadership
    finally:
        await in_memory.aclose()
