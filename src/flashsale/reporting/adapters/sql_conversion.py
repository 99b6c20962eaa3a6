"""The sales question run inside the database: facts summed by period and key, net revenue
converted at each day's own rate (``domain/conversion.py`` says what and why).

The question's days travel as one JSON parameter, a row a day: its period's start and the
factor of each currency that day. The facts join it on their day and pick their currency's
factor, in the same statement: one round trip, and a few hundred rows back instead of one per
day and key. PostgreSQL multiplies in ``numeric`` (exact); SQLite in binary floating point,
exact far below the minor unit the answer shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson
from sqlalchemy import TextClause, func, select, text

from flashsale.platform.sql.database import SqlDatabase
from flashsale.reporting.adapters.sql_tables import sales_facts_daily, sales_facts_markets
from flashsale.reporting.domain.conversion import ConvertedFacts, Factors, Periods
from flashsale.reporting.domain.facts import MEASURES, Measure
from flashsale.reporting.domain.fx import Missing
from flashsale.reporting.domain.questions import Dimension, Rehearsals

_REVENUE = MEASURES[Measure.REVENUE]
_REFUNDS = MEASURES[Measure.REFUNDS]
_HAS_MONEY = f"(f.{_REVENUE} <> 0 OR f.{_REFUNDS} <> 0)"
_ENCODED_KEPT = 8


class SqlFactConversion(SqlDatabase):
    """``convert_facts`` and ``fact_currencies`` of ``ReportingRepository``."""

    _encoded: dict[tuple[int, int], tuple[object, object, list[str], str]]

    def _days(self, periods: Periods, factors: Factors) -> tuple[list[str], str]:
        """The question's days as one JSON table: ``[day, period start, factor of each
        currency or null]``, and the currencies in their column order.

        One row a day, its factors side by side, so the facts join it on their day (the key's
        first column) and pick their currency's column: neither engine has to index a table
        made on the fly. A dashboard asks the same question again and again: the service keeps
        its tables, and their encoding is kept here (held, so an id is not reused)."""
        if not hasattr(self, "_encoded"):
            self._encoded = {}
        key = (id(periods), id(factors))
        kept = self._encoded.get(key)
        if kept is not None and kept[0] is periods and kept[1] is factors:
            return kept[2], kept[3]
        currencies = sorted({currency for currency, _ in factors})
        rows = [
            [day, period, *(factors.get((c, day)) for c in currencies)]
            for day, period in sorted(periods.items())
        ]
        encoded = orjson.dumps(rows, default=str).decode()
        if len(self._encoded) >= _ENCODED_KEPT:
            self._encoded.clear()
        self._encoded[key] = (periods, factors, currencies, encoded)
        return currencies, encoded

    def _days_table(self, currencies: Sequence[str]) -> str:
        factors = [f"r{n}" for n in range(len(currencies))]
        if self._dialect == "postgresql":
            columns = [
                "(e->>0)::date AS day",
                "(e->>1)::date AS period",
                *(f"(e->>{n + 2})::numeric AS {name}" for n, name in enumerate(factors)),
            ]
            source = "jsonb_array_elements(CAST(:days AS jsonb)) AS e"
        else:
            columns = [
                "json_extract(value, '$[0]') AS day",
                "json_extract(value, '$[1]') AS period",
                *(
                    f"CAST(json_extract(value, '$[{n + 2}]') AS REAL) AS {name}"
                    for n, name in enumerate(factors)
                ),
            ]
            source = "json_each(:days)"
        return f"WITH days AS MATERIALIZED (SELECT {', '.join(columns)} FROM {source})"

    @staticmethod
    def _factor(currencies: Sequence[str]) -> str:
        """The fact's own currency's factor of its day; NULL for a currency without one."""
        if not currencies:
            return "NULL"
        picks = " ".join(f"WHEN :c{n} THEN p.r{n}" for n in range(len(currencies)))
        return f"(CASE f.currency {picks} END)"

    def _day(self, day: date) -> Any:
        return day if self._dialect == "postgresql" else day.isoformat()

    def _where(
        self,
        first: date,
        last: date,
        rehearsals: Rehearsals,
        market: str | None,
        channel: str | None,
    ) -> tuple[str, dict[str, Any]]:
        clauses = ["f.day_local >= :first", "f.day_local <= :last"]
        params: dict[str, Any] = {"first": self._day(first), "last": self._day(last)}
        if rehearsals is not Rehearsals.INCLUDE:
            clauses.append("f.is_rehearsal = :rehearsal")
            params["rehearsal"] = rehearsals is Rehearsals.ONLY
        if market is not None:
            clauses.append("f.market = :market")
            params["market"] = market
        if channel is not None:
            clauses.append("f.channel = :channel")
            params["channel"] = channel
        return " AND ".join(clauses), params

    def _summed(self, column: str) -> str:
        # PostgreSQL sums bigints as numeric: cast back, so no Decimal is decoded per cell.
        if self._dialect == "postgresql":
            return f"CAST(sum({column}) AS BIGINT)"
        return f"sum({column})"

    def _conversion(
        self, table: str, dims: Sequence[str], where: str, currencies: Sequence[str]
    ) -> TextClause:
        keys = [f"f.{d}" if d in dims else "NULL" for d in ("market", "channel", "sku")]
        grouped = ", ".join(["p.period", *(f"f.{d}" for d in dims), "f.currency"])
        measures = ", ".join(self._summed(f"f.{m}") for m in MEASURES)
        factor = self._factor(currencies)
        return text(
            f"""{self._days_table(currencies)}
SELECT p.period, {", ".join(keys)}, f.currency,
       COALESCE(sum((f.{_REVENUE} - f.{_REFUNDS}) * {factor}), 0),
       {self._summed(f"CASE WHEN {factor} IS NULL AND {_HAS_MONEY} THEN 1 ELSE 0 END")},
       {measures}
FROM days AS p
JOIN {table} AS f ON f.day_local = p.day
WHERE {where}
GROUP BY {grouped}"""
        )

    def _missing(self, table: str, where: str, currencies: Sequence[str]) -> TextClause:
        return text(
            f"""{self._days_table(currencies)}
SELECT DISTINCT f.currency, f.day_local
FROM days AS p
JOIN {table} AS f ON f.day_local = p.day
WHERE {where} AND {self._factor(currencies)} IS NULL AND {_HAS_MONEY}
ORDER BY f.currency, f.day_local"""
        )

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
        table = (sales_facts_daily if Dimension.SKU in by else sales_facts_markets).name
        dims = [d.value for d in Dimension if d in by]
        where, params = self._where(first, last, rehearsals, market, channel)
        currencies, params["days"] = self._days(periods, factors)
        params.update((f"c{n}", c) for n, c in enumerate(currencies))
        query = self._conversion(table, dims, where, currencies)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query, params)).all()
            missing: list[Missing] = []
            if any(row[6] for row in found):
                listed = await conn.execute(self._missing(table, where, currencies), params)
                missing = [Missing(c, _date(d)) for c, d in listed.all()]
        rows = [(_date(row[0]), *row[1:7], *(int(n) for n in row[7:])) for row in found]
        rows.sort(key=lambda r: (r[0], r[1] or "", r[2] or "", r[3] or "", r[4]))
        return ConvertedFacts(rows, missing)

    async def fact_currencies(self, first: date, last: date) -> set[str]:
        t = sales_facts_markets.c
        query = select(func.distinct(t.currency)).where(t.day_local >= first, t.day_local <= last)
        async with self._engine.connect() as conn:
            return set((await conn.scalars(query)).all())


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
