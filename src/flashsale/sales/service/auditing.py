"""The audit of a sale, from the record of truth, with the gate's belief beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import SaleRepository, StockGate
from flashsale.sales.service.sale_directory import SaleDirectory


class InFlight(Protocol):
    """Writes handed to the record and not landed yet (purchases, payments)."""

    async def drain(self) -> None: ...


class GateHoldings(Protocol):
    """What a gate holds of one sale, summed over its buckets."""

    @property
    def stock_left(self) -> int: ...

    @property
    def held(self) -> dict[str, int]: ...

    @property
    def registered(self) -> int: ...

    @property
    def generations(self) -> tuple[int | None, ...]: ...  # per bucket


@runtime_checkable
class InspectableGate(Protocol):
    """A gate that can show what it holds: the shared one, which can drift from the record."""

    async def snapshot(self, sale_id: str) -> GateHoldings | None: ...


@dataclass(frozen=True, slots=True)
class GateComparison:
    """One sale as the record holds it, beside what the gate holds (None: not loaded)."""

    sale: FlashSale
    stock_left: int
    held: dict[str, int]  # customers holding units; those holding none are left out
    registered: int
    gate: GateHoldings | None


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

    async def audit_settled(self, sale_id: str, in_flight: Sequence[InFlight]) -> SaleAudit:
        """The audit once this process's writes in flight have landed, which it would otherwise
        count as units the gate holds and the record does not."""
        for writes in in_flight:
            await writes.drain()
        return await self.audit(sale_id)

    async def compare_gate(self, sale_id: str) -> GateComparison:
        """The record's facts of a sale beside the gate's, for the operator to find drift."""
        if not isinstance(self._gate, InspectableGate):
            raise InvalidInput("only the shared stock gate can be compared with the record")
        # Not through the directory: meeting the sale would load a gate that lost it, hiding that.
        sale = await self._store.sale(sale_id)
        if sale is None:
            raise NotFound(f"no sale {sale_id}")
        stored = await self._store.held_by_customer(sale.id)
        held = {customer: units for customer, units in stored.items() if units}
        registered = len(await self._store.registered_customers(sale.id))
        return GateComparison(
            sale=sale,
            stock_left=sale.stock_total - sum(held.values()),
            held=held,
            registered=registered,
            gate=await self._gate.snapshot(sale.id),
        )
