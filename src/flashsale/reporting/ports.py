"""What reporting needs from the record and from the other domains.

The facts and their cursor are reporting's own (``ReportingRepository``); sales, markets and
the feed are read through the other domains' services, declared here as Protocols.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from flashsale.catalog.market import Market
from flashsale.orders.domain.events import EventCursor
from flashsale.reporting.domain.conversion import ConvertedFacts, Factors, Periods
from flashsale.reporting.domain.facts import FactKey, SaleProgress
from flashsale.reporting.domain.fx import FxRate
from flashsale.reporting.domain.questions import Dimension, FactRow, Rehearsals
from flashsale.reporting.domain.targets import Target
from flashsale.sales.domain.sale import FlashSale


class ReportingRepository(Protocol):
    """Facts, their place in the feed, exchange rates, targets and the sales marked as
    rehearsals. ``shadow`` names the copy ``report rebuild`` fills beside the live one.

    Raises ``Conflict`` on a duplicate key, returns None when absent.
    """

    async def report_cursor(self, shadow: bool = False) -> EventCursor | None:
        """Where the facts have read the feed to; None before the first batch."""
        ...

    async def apply_facts(
        self,
        expected: EventCursor | None,
        cursor: EventCursor,
        facts: Mapping[FactKey, Sequence[int]],
        progress: Sequence[SaleProgress],
        *,
        shadow: bool = False,
    ) -> bool:
        """Add ``facts`` to the stored ones, store the sales' ``progress`` and move the cursor
        from ``expected`` to ``cursor``, in one transaction: False, nothing written, when the
        cursor is no longer ``expected`` (another process projected the batch)."""
        ...

    async def add_facts(self, facts: Mapping[FactKey, Sequence[int]]) -> None:
        """Add facts that come from no event (the demo's synthesised history) to the live
        ones, leaving the cursor; a rebuild, which replays only the feed, drops them."""
        ...

    async def sale_progress(
        self, sale_ids: Sequence[str], *, shadow: bool = False
    ) -> dict[str, SaleProgress]: ...

    async def paid_among(self, order_ids: Sequence[str]) -> set[str]:
        """The orders of these that were ever paid (a payment is never deleted)."""
        ...

    async def fact_rows(
        self,
        first: date,
        last: date,
        by: Sequence[Dimension],
        rehearsals: Rehearsals,
        market: str | None = None,
        channel: str | None = None,
    ) -> list[FactRow]:
        """Live facts of [first, last] summed by (day, the dimensions, currency), in one read:
        (day, market, channel, sku, currency, *measures), None where a dimension is not
        asked for."""
        ...

    async def convert_facts(
        self,
        first: date,
        last: date,
        by: Sequence[Dimension],
        rehearsals: Rehearsals,
        market: str | None,
        channel: str | None,
        periods: Periods,
        factors: Factors,
    ) -> ConvertedFacts:
        """Live facts of the days in ``periods`` (within [first, last]) summed by (period,
        the dimensions, currency), net revenue converted by the (currency, day) ``factors``,
        in one read; the (currency, day) pairs with money and no factor listed
        (``domain/conversion.py``)."""
        ...

    async def fact_currencies(self, first: date, last: date) -> set[str]:
        """The currencies of the live facts of [first, last]."""
        ...

    async def fact_span(self) -> tuple[date, date] | None:
        """The first and last day any live fact has."""
        ...

    async def all_facts(self, *, shadow: bool = False) -> dict[FactKey, tuple[int, ...]]: ...

    async def all_progress(self, *, shadow: bool = False) -> dict[str, SaleProgress]: ...

    async def clear_shadow(self) -> None:
        """Empty the shadow copy and its cursor."""
        ...

    async def swap_shadow(self, cursor: EventCursor) -> bool:
        """Replace the live facts and progress with the shadow's, if the live cursor is
        ``cursor`` (the shadow's); False, nothing changed, if it moved meanwhile."""
        ...

    async def sellouts(self, rehearsals: Rehearsals, limit: int) -> list[SaleProgress]:
        """Sales that sold out, fastest first."""
        ...

    async def put_fx_rates(self, rates: Sequence[FxRate], at: datetime) -> int:
        """Store rates, replacing those of the same (day, base, quote), in one transaction."""
        ...

    async def fx_rates(self, currencies: Sequence[str], first: date, last: date) -> list[FxRate]:
        """The stored rates between these currencies on days in [first, last]."""
        ...

    async def fx_version(self) -> tuple[int, datetime | None]:
        """A stamp that changes whenever rates are stored: how many, and when last."""
        ...

    async def add_target(self, target: Target) -> None:
        """Conflict when a target of the same period, market, channel and metric exists."""
        ...

    async def target(self, target_id: str) -> Target | None: ...

    async def targets(self) -> list[Target]: ...

    async def mark_rehearsal(self, sale_id: str, at: datetime) -> bool:
        """True when newly marked."""
        ...

    async def rehearsal_sales(self) -> set[str]: ...


class SaleLister(Protocol):
    """``Sales``: every sale (the projector learns a sale's market when it first meets it)."""

    async def all(self) -> list[FlashSale]: ...


class MarketLister(Protocol):
    """``Catalog``: the markets, with their time zones and currencies."""

    async def markets(self) -> list[Market]: ...
