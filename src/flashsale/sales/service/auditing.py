"""The audit of a sale, from the record of truth, with the gate's belief beside it."""

from __future__ import annotations

from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.ports import SaleRepository, StockGate
from flashsale.sales.service.sale_directory import SaleDirectory


class Auditing:
    def __init__(self, store: SaleRepository, gate: StockGate, directory: SaleDirectory) -> None:
        self._store = store
        self._gate = gate
        self._directory = directory

    async def audit(self, sale_id: str) -> SaleAudit:
        sale = await self._directory.get(sale_id)
        facts = await self._store.audit_facts(sale)
        return SaleAudit(
            sale_id=sale.id,
            stock_total=sale.stock_total,
            units=facts.units,
            customers_over_limit=facts.customers_over_limit,
            orders_without_payment_match=facts.orders_without_payment_match,
            gate_stock_left=await self._gate.stock_left(sale.id),
            units_counted=facts.units_counted,
            gate_drift_healed=facts.gate_drift_healed,
        )
