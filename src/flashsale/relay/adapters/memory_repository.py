"""``RelayCursorRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from datetime import datetime


class MemoryRelayCursorRepository:
    def __init__(self) -> None:
        super().__init__()
        self._relay_cursors: dict[str, tuple[str, datetime]] = {}

    async def relay_cursor(self, name: str) -> str | None:
        found = self._relay_cursors.get(name)
        return None if found is None else found[0]

    async def move_relay_cursor(
        self, name: str, expected: str | None, cursor: str, at: datetime
    ) -> bool:
        if await self.relay_cursor(name) != expected:
            return False
        self._relay_cursors[name] = (cursor, at)
        return True
