"""Where a rehearsal happens: the sale, the fans, the address to send them to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from flashsale.crowd.fan import Fan

UnitsLeft = Callable[[], Awaitable[int | None]]


async def unknown_units_left() -> int | None:
    """A server elsewhere is not asked mid-sale: the board counts from what the fans were told."""
    return None


@dataclass(frozen=True, slots=True)
class Stage:
    url: str
    admin_token: str
    sale_id: str
    fans: Sequence[Fan]
    target: str  # said in the report: what the crowd ran against
    units_left: UnitsLeft = unknown_units_left
    preregistered: bool = False  # registered in bulk by the stage: the crowd need not ask
