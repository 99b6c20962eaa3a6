"""Leadership among the processes of one machine: an exclusive lock on a file per role.

The embedded SQLite record is shared only by processes on its machine, and there the kernel's
``flock`` says who leads: the process holding a role's lock file, released by the kernel when
that process ends however it ends. A process that leads only because it is the shop's one
server (``LocalLeadership``) cannot say that of the processes started beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import zlib
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def lock_path(beside: Path, role: str) -> Path:
    """The lock file of a role, beside ``beside`` (the database file): readable, and unique per
    role by its CRC-32 even where two roles read alike once made safe for a file name."""
    readable = _UNSAFE.sub("_", role)[:60]
    return beside.with_name(f"{beside.name}.{readable}.{zlib.crc32(role.encode()):08x}.lock")


class FileLockLeadership:
    def __init__(self, beside: str | Path) -> None:
        """``beside``: the file the locks lie beside (the database)."""
        self._beside = Path(beside).resolve()
        self._held: dict[str, int] = {}  # role -> the locked file's descriptor

    async def leads(self, role: str) -> bool:
        if role in self._held:
            return True
        descriptor = os.open(lock_path(self._beside, role), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        except BaseException:
            os.close(descriptor)
            raise
        self._held[role] = descriptor
        return True

    async def close(self) -> None:
        for role in list(self._held):
            descriptor = self._held.pop(role)
            with contextlib.suppress(OSError):
                fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)
