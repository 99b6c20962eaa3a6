"""The audit of a sale: the invariants that must hold whatever happened, from stored facts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UnitsByStatus:
    reserved: int = 0
    paid: int = 0
    expired: int = 0
    cancelled: int = 0


@dataclass(frozen=True, slots=True)
class SaleAudit:
    sale_id: str
    stock_total: int
    units: UnitsByStatus
    customers_over_limit: int
    orders_without_payment_match: int
    gate_stock_left: int | None  # what the live gate believes; None when it holds no sale
    # The sale's counter of live units, which every commit checks; None where not known.
    units_counted: int | None = None
    gate_drift_healed: int = 0  # units the reconciler moved into or out of the gate, all told

    @property
    def sold(self) -> int:
        return self.units.reserved + self.units.paid

    @property
    def stock_left(self) -> int:
        return max(0, self.stock_total - self.sold)

    @property
    def oversold(self) -> int:
        return max(0, self.sold - self.stock_total)

    @property
    def gate_drift(self) -> int | None:
        """Units left in the record minus units left in the gate (0 when they agree)."""
        return None if self.gate_stock_left is None else self.stock_left - self.gate_stock_left

    @property
    def conservation_ok(self) -> bool:
        """Units left plus units held equal the stock, the sale's counter agrees with its
        orders, and the gate agrees with the record."""
        balanced = self.stock_left + self.sold == self.stock_total
        counted = self.units_counted is None or self.units_counted == self.sold
        return balanced and counted and not self.gate_drift

    @property
    def clean(self) -> bool:
        return (
            self.oversold == 0
            and self.customers_over_limit == 0
            and self.orders_without_payment_match == 0
            and self.conservation_ok
        )
