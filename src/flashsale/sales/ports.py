"""What the sales domain needs from the outside world: its repository and the stock gate.

Every adapter passes its port's contract suite in ``tests/contract``. Methods that touch many
rows or keys take and return batches: one round trip per buyer is what a flash sale cannot afford.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flashsale.kernel.units import HeldUnits
from flashsale.sales.domain.audit import UnitsByStatus
from flashsale.sales.domain.purchase import PurchaseRequest, Refusal
from flashsale.sales.domain.sale import FlashSale


class GateNotLoaded(Exception):
    """The gate holds no state for the sale (a shared gate flushed or restarted empty).

    Requests of that sale were not decided, so rebuilding the gate and asking again is safe.
    """

    def __init__(self, sale_id: str) -> None:
        super().__init__(f"the stock gate holds no state for sale {sale_id}")
        self.sale_id = sale_id


class GateUnavailable(Exception):
    """The gate could not be asked, or its answer was lost (a connection dropped, a failover,
    a load whose keys vanished half-way): what the call did is unknown.

    Units a lost take may have taken are in no order; the reconciler gives them back.
    """


@dataclass(frozen=True, slots=True)
class GateLevel:
    stock_left: int
    generation: int


class StockGate(Protocol):
    """The fast, atomic yes/no in front of the record: state, registration, limit and stock.

    It is never the record of truth: ``load`` rebuilds it from the store at any time.

    Every load starts a new generation of the sale's gate (an int, never reused for the sale).
    Units come back with the generation they were taken, or their orders closed, under; a
    give-back of another generation is ignored, because that load already counted the units
    from the store. Losing a unit to the gate is drift a rebuild heals; selling it twice is not.
    """

    async def load(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> None:
        """(Re)build the gate of one sale from stored facts, replacing what it held.

        The new generation starts once the facts are in: read them before calling this.
        """
        ...

    async def load_if_absent(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> bool:
        """Build the gate of one sale only if it holds none; True when this call built it.

        A gate shared by processes may hold units taken but not stored yet: replacing it from
        the store would sell them again.
        """
        ...

    async def is_loaded(self, sale_id: str) -> bool: ...

    async def register(self, sale_id: str, customer_ids: Sequence[str]) -> None:
        """Let these customers buy; registering twice is harmless."""
        ...

    async def take_stamped(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | int | GateNotLoaded]:
        """Decide a batch atomically, in order: each request's refusal, or the generation its
        units were taken under.

        ``in_order=False`` says the requests come from different buyers, who are owed no order
        among them: a gate whose stock is spread over buckets may then decide them all at once.

        A request of a sale the gate does not hold is answered with GateNotLoaded, and decided
        not; the requests of the sales it holds are decided all the same.
        """
        ...

    async def give_back(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        """Return units (order expired, cancelled, or never stored), each with its generation.

        A return whose generation is not the sale's current one changes nothing.
        """
        ...

    async def release_holds(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        """The record refused these purchases for want of stock: the customers hold nothing,
        and the units the gate gave were never there, so they do not come back.

        Like ``give_back``, only under the sale's current generation.
        """
        ...

    async def generations(self, sale_ids: Sequence[str]) -> list[int | None]:
        """Each sale's current generation; None when the gate holds no such sale.

        Read it before closing orders in the store, to give their units back under it.
        """
        ...

    async def levels(self, sale_ids: Sequence[str]) -> list[GateLevel | None]:
        """Units left and generation of each sale, in one read; None where it holds none."""
        ...

    async def holds(self, sale_id: str) -> dict[str, int] | None:
        """Units each customer holds according to the gate; None when it holds no such sale."""
        ...

    async def adjust(
        self, sale_id: str, generation: int, units: int, holds: Mapping[str, int]
    ) -> int | None:
        """Heal drift: add ``units`` to the units left (negative: withdraw, as many as are
        left) and each customer's delta in ``holds`` to what they hold (never below zero).

        Only under ``generation``: returns the units added or withdrawn (signed), or None when
        the gate holds the sale under another generation, or not at all.
        """
        ...

    async def stock_left(self, sale_id: str) -> int | None:
        """Units the gate can still sell; None when it holds no such sale."""
        ...

    async def close_sale(self, sale_id: str, at: datetime) -> datetime | None:
        """Take no purchase stamped at or after ``at`` from now on: the sale's close moves
        back to ``at`` (and an opening after it, to it). Never moves a close later, so a repeated
        or late call changes nothing. Returns the close the gate holds; None when it holds no
        such sale (a load then takes the close from the record).
        """
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AuditFacts:
    units: UnitsByStatus
    customers_over_limit: int
    orders_without_payment_match: int
    units_counted: int  # the sale's counter of live units, which guards every commit
    gate_drift_healed: int = 0  # units the reconciler put back into or took out of the gate


class SaleRepository(Protocol):
    """Sales, their registrations and their counts in the record.

    Raises ``Conflict`` on a duplicate key, returns None when absent.
    """

    async def add_sale(self, sale: FlashSale) -> None: ...

    async def sale(self, sale_id: str) -> FlashSale | None: ...

    async def sales(self) -> list[FlashSale]: ...

    async def replace_sale(self, sale: FlashSale) -> bool:
        """Store new terms for the sale with this id; False (nothing stored) when there is none.

        The SKU and market stay those of the stored sale: registrations and rooms refer to them.
        Whether the new terms are safe is the service's rule (``sales/service/sales.py``).
        """
        ...

    async def add_registrations(
        self, sale_id: str, customer_ids: Sequence[str], at: datetime
    ) -> int:
        """Store registrations, ignoring ones that exist; returns how many were new."""
        ...

    async def is_registered(self, sale_id: str, customer_id: str) -> bool: ...

    async def registered_customers(self, sale_id: str) -> list[str]: ...

    async def count_registrations(self, sale_id: str) -> int:
        """How many customers registered for the sale (0 for no such sale)."""
        ...

    async def held_by_customer(self, sale_id: str) -> dict[str, int]:
        """Units each customer holds in live (reserved or paid) orders of the sale."""
        ...

    async def units_held(self, sale_ids: Sequence[str]) -> dict[str, int]:
        """The counter of live units of each of these sales that exists, in one read."""
        ...

    async def add_gate_drift_healed(self, sale_id: str, units: int) -> None:
        """Count ``units`` (moved into or out of the gate by the reconciler) for the audit."""
        ...

    async def audit_facts(self, sale: FlashSale) -> AuditFacts: ...

    async def units_reserved(self, sale_id: str) -> int:
        """Units in reserved (unpaid, unexpired) orders of the sale: units that may come back."""
        ...
