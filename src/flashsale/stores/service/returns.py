"""Returns at the store: units of a sale of this store taken back, restocked or written off in
one transaction with the sale's returned counts, and refunded to the original tender (cash
from the drawer; a card through the gateway, with the return's id as its idempotency key)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.kernel.ids import new_id
from flashsale.orders.ports import PaymentGateway
from flashsale.stores.domain.returns import PosReturn, returnable
from flashsale.stores.domain.sale import TenderMethod
from flashsale.stores.ports import StoreRepository
from flashsale.stores.service.session import PosCaller


class StoreReturns:
    def __init__(self, store: StoreRepository, gateway: PaymentGateway, clock: Clock) -> None:
        self._store = store
        self._gateway = gateway
        self._clock = clock

    async def take_back(
        self, caller: PosCaller, sale_id: str, lines: Sequence[tuple[str, int]], restock: bool
    ) -> PosReturn:
        """404 for a sale of another store; 422 for a bad line; 409 past what was sold."""
        sale = await self._store.pos_sale(sale_id)
        if sale is None or sale.store_code != caller.store_code:
            raise NotFound(f"no sale {sale_id[:80]} at {caller.store_code}")
        taken, refund = returnable(sale, lines)
        ret = PosReturn(
            id=new_id("ret"),
            sale_id=sale.id,
            store_code=sale.store_code,
            lines=taken,
            restock=restock,
            refund=refund,
            actor=caller.actor,
            created_at=self._clock.now(),
        )
        # Stored first, guarded: two clerks returning the same units cannot both refund them.
        stored = await self._store.pos_record_return(ret)
        reference = sale.tender.card_reference
        if sale.tender.method is TenderMethod.CARD and reference is not None:
            refunded = await self._gateway.refund(reference, amount=refund, idempotency_key=ret.id)
            await self._store.pos_return_refunded(ret.id, refunded)
            return replace(stored, refund_reference=refunded)
        return stored

    async def of_sale(self, sale_id: str) -> list[PosReturn]:
        return await self._store.pos_returns(sale_id)
