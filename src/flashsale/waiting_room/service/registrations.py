"""Who registered for a sale, as the record says, for the joins the room state cannot confirm.

Registrations are never withdrawn, so a customer the record said yes for is remembered, per
sale. Concurrent questions go to the record together (``Batcher``). The room state cannot see
some registrations (in process; a bucketed gate): once the sale's registration has closed, the
first read that finds one takes every registration at once. A miss is still asked of the record
afterwards: a registration stored after that read (in flight at the close, or an edit reopened
the window).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from flashsale.kernel.batching import Batcher
from flashsale.kernel.clock import Clock
from flashsale.sales.ports import SaleRepository
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.waiting_room.ports import RoomRepository


class Registrations:
    def __init__(
        self,
        rooms: RoomRepository,
        sales: SaleRepository,
        clock: Clock,
        directory: SaleDirectory,
    ) -> None:
        self._rooms = rooms
        self._sales = sales
        self._clock = clock
        self._directory = directory
        self._asked: Batcher[tuple[str, str], bool] = Batcher(self._ask_batch)
        self._known: dict[str, set[str]] = {}
        self._complete: set[str] = set()  # sales whose registrations were read whole

    def known(self, sale_id: str, customer_id: str) -> bool:
        """True when the record said so before: no question to ask."""
        return customer_id in self._known.get(sale_id, ())

    async def confirm(self, sale_id: str, customer_id: str) -> bool:
        """Whether the record holds the customer's registration."""
        return await self._asked.submit((sale_id, customer_id))

    def forget(self, sale_id: str) -> None:
        self._known.pop(sale_id, None)
        self._complete.discard(sale_id)

    async def close(self) -> None:
        await self._asked.wait_idle()

    async def _ask_batch(self, items: Sequence[tuple[str, str]]) -> list[bool]:
        by_sale: dict[str, list[str]] = defaultdict(list)
        for sale_id, customer_id in items:
            by_sale[sale_id].append(customer_id)
        for sale_id, customer_ids in by_sale.items():
            known = self._known.setdefault(sale_id, set())
            missing = [c for c in customer_ids if c not in known]
            if not missing:
                continue
            found = await self._rooms.registered_among(sale_id, missing)
            known.update(found)
            if found and sale_id not in self._complete:
                # The room state could not confirm registrations the record holds: it does not
                # see them. Once registration has closed, read them all at once.
                sale = await self._directory.get(sale_id)
                if self._clock.now() >= sale.registration_closes_at:
                    known.update(await self._sales.registered_customers(sale_id))
                    self._complete.add(sale_id)
        return [c in self._known[s] for s, c in items]
