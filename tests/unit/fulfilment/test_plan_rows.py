"""A plan holds its new fulfilment orders as tuples of ``FulfilmentOrder``'s fields in order,
and the SQL adapters write those tuples as the table's ``COLUMNS``: the three must agree."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from flashsale.fulfilment.adapters.sql_rows import COLUMNS
from flashsale.fulfilment.domain.allocation import Decision, Part
from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.plan import PlanBuilder
from flashsale.fulfilment.domain.strategies import Need

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PAID = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_the_fields_of_a_fulfilment_order_are_the_columns_in_order() -> None:
    assert tuple(f.name for f in fields(FulfilmentOrder)) == COLUMNS


def test_new_rows_and_the_fulfilment_orders_made_of_them() -> None:
    ids = iter(["fo_1", "fo_2", "fo_3"])
    builder = PlanBuilder("CN", AT, lambda: next(ids))
    split = Need("ord_1", "sale_1", "SKU-1", 3, "CN-GD", PAID)
    builder.new(Decision(split, (Part("DC-GZ", 2, 2), Part("DC-SH", 1, 0))))
    waiting = Need("ord_2", "sale_1", "SKU-1", 1, None, PAID)
    builder.new(Decision(waiting, (), "no stock"))
    plan = builder.finish("")

    rows = [dict(zip(COLUMNS, row, strict=True)) for row in plan.new]
    assert [(r["id"], r["part"], r["location"], r["status"]) for r in rows] == [
        ("fo_1", 0, "DC-GZ", FulfilmentStatus.ALLOCATED),
        ("fo_2", 1, "DC-SH", FulfilmentStatus.ALLOCATED),
        ("fo_3", 0, None, FulfilmentStatus.UNALLOCATED),
    ]
    assert plan.inserts[0] == FulfilmentOrder(
        "fo_1", SourceKind.ORDER, "ord_1", 0, "sale_1", "CN", "SKU-1", 2, "CN-GD",
        FulfilmentStatus.ALLOCATED, "DC-GZ", 2, "", PAID, AT,
    )  # fmt: skip
    assert plan.inserts[2].reason == "no stock"
    assert (plan.allocated, plan.unallocated) == (2, 1)
