"""Leadership across a fleet on PostgreSQL: a session-level advisory lock per role.

The leader is the process whose own connection holds the lock. Should that connection die, the
server releases the lock with it and another process takes the role at its next try; the
former leader learns it at its next check, which fails on the dead connection.
"""

from __future__ import annotations

import contextlib
import logging
import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)
# Keys of this project's advisory locks: a fixed high half, the role's CRC-32 below it.
_NAMESPACE = 0x666C7368 << 32


def lock_key(role: str) -> int:
    """The advisory lock's key of a role: the same in every process (CRC-32, not hash())."""
    return (_NAMESPACE | zlib.crc32(role.encode())) - (1 << 63)


class AdvisoryLockLeadership:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._held: dict[str, AsyncConnection] = {}

    async def leads(self, role: str) -> bool:
        conn = self._held.get(role)
        if conn is not None:
            try:
                await conn.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("lost the connection holding the %s role", role)
                await self._drop(role)
        return await self._try(role)

    async def _try(self, role: str) -> bool:
        conn = await self._engine.connect()
        try:
            # Autocommit: the session holds the lock, and no transaction stays open beside it.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            taken = await conn.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(role)}
            )
        except BaseException:
            await conn.close()
            raise
        if taken:
            self._held[role] = conn
            return True
        await conn.close()
        return False

    async def _drop(self, role: str) -> None:
        conn = self._held.pop(role)
        with contextlib.suppress(Exception):
            await conn.invalidate()
        with contextlib.suppress(Exception):
            await conn.close()

    async def close(self) -> None:
        for role in list(self._held):
            conn = self._held.pop(role)
            with contextlib.suppress(Exception):
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(role)})
            with contextlib.suppress(Exception):
                await conn.close()
