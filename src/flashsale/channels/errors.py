"""The refusals of channels, each with a stable code (the RFC 9457 problem ``type``)."""

from __future__ import annotations

from flashsale.kernel.errors import Conflict, InvalidInput


class PoolAboveFree(Conflict):
    """A pool that would commit more units at a DC than it has free."""

    code = "pool-above-free"


class PoolBelowConsumed(Conflict):
    """A pool cut below what the partner's imported orders have consumed already."""

    code = "pool-below-consumed"


class PoolChanged(Conflict):
    """A chunk's guarded update found less than its plan counted on: another writer moved the
    pool or the level in between (the chunk rolls back; sending the file again finishes it)."""

    code = "pool-changed"


class UnreadableImport(InvalidInput):
    """An order file of which not one line can be read; ``problems`` says where and why."""

    code = "unreadable-import"

    def __init__(self, detail: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(detail)
        self.problems = problems
