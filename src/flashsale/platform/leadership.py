"""Leadership: where one process of the fleet must decide alone."""

from __future__ import annotations

from typing import Protocol


class Leadership(Protocol):
    """Which process of the fleet decides where only one may (the gate's reconciler): the
    holder of a PostgreSQL advisory lock, or the one process of the embedded default."""

    async def leads(self, role: str) -> bool:
        """True while this process holds ``role``; takes it when nobody does."""
        ...

    async def close(self) -> None: ...
