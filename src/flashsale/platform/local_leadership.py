"""Leadership on the embedded default: one process serves the shop, so it leads every role."""

from __future__ import annotations


class LocalLeadership:
    async def leads(self, role: str) -> bool:
        return True

    async def close(self) -> None:
        return None
