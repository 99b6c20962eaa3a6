"""``ReturnRepository`` in a Python process: it moves the inventory's levels and ledger and
appends to the orders' feed with each return's move, all or nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from flashsale.fulfilment.adapters.return_rows import EVENT_OF, event_data
from flashsale.fulfilment.domain.returns import LIVE, Return, ReturnStatus
from flashsale.inventory.domain.stock import Move, StockLevel


class MemoryReturnRepository:
    # The rest of the record, kept by the other memory repositories of the composed store.
    _levels: dict[tuple[str, str], StockLevel]
    _level: Callable[[str, str], StockLevel]  # the inventory's
    _append_moves: Callable[[Sequence[Move]], None]  # the inventory's
    _event: Callable[..., None]  # the orders' feed: (order_id, kind, at, actor, data)

    def __init__(self) -> None:
        super().__init__()
        self._returns: dict[str, Return] = {}

    async def add_return(self, ret: Return, actor: str, most: int) -> bool:
        live = (x for x in self._returns.values() if x.order_id == ret.order_id)
        if sum(x.quantity for x in live if x.status in LIVE) + ret.quantity > most:
            return False
        self._returns[ret.id] = ret
        self._event(ret.order_id, EVENT_OF[ret.status], ret.updated_at, actor, event_data(ret))
        return True

    async def move_return(
        self, expected: ReturnStatus, after: Return, actor: str, moves: Sequence[Move]
    ) -> bool:
        current = self._returns.get(after.id)
        if current is None or current.status is not expected:
            return False
        changes: dict[tuple[str, str], int] = defaultdict(int)
        for move in moves:
            changes[move.location, move.sku] += move.on_hand_change
        levels = {key: self._level(*key).changed(on_hand=c) for key, c in changes.items()}
        self._levels.update(levels)  # each checked above: nothing kept on a refusal
        self._append_moves(moves)
        self._returns[after.id] = after
        self._event(
            after.order_id, EVENT_OF[after.status], after.updated_at, actor, event_data(after)
        )
        return True

    async def return_(self, return_id: str) -> Return | None:
        return self._returns.get(return_id)

    async def returns(self, status: ReturnStatus | None = None, limit: int = 100) -> list[Return]:
        found = [x for x in self._returns.values() if status is None or x.status is status]
        found.sort(key=lambda x: (x.requested_at, x.id))
        return found[:limit]

    async def returns_of(self, order_ids: Sequence[str]) -> list[Return]:
        wanted = set(order_ids)
        found = [x for x in self._returns.values() if x.order_id in wanted]
        return sorted(found, key=lambda x: (x.order_id, x.requested_at, x.id))
