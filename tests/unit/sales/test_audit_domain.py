"""SaleAudit: the fields derived from stored facts, and what makes an audit clean."""

from __future__ import annotations

import pytest

from flashsale.sales.domain.audit import SaleAudit, UnitsByStatus


def _audit(
    *,
    reserved: int = 0,
    paid: int = 0,
    over_limit: int = 0,
    mismatched: int = 0,
    gate: int | None = None,
    stock: int = 10,
) -> SaleAudit:
    return SaleAudit(
        sale_id="sale_band",
        stock_total=stock,
        units=UnitsByStatus(reserved=reserved, paid=paid, expired=7, cancelled=3),
        customers_over_limit=over_limit,
        orders_without_payment_match=mismatched,
        gate_stock_left=gate,
    )


def test_sold_counts_reserved_and_paid_but_not_returned_units() -> None:
    audit = _audit(reserved=2, paid=3)
    assert (audit.sold, audit.stock_left, audit.oversold) == (5, 5, 0)


def test_a_sale_sold_to_the_last_unit_is_clean() -> None:
    audit = _audit(paid=10, gate=0)
    assert (audit.stock_left, audit.oversold, audit.clean) == (0, 0, True)


def test_overselling_is_reported_and_dirty() -> None:
    audit = _audit(reserved=4, paid=8, gate=0)
    assert (audit.sold, audit.stock_left, audit.oversold) == (12, 0, 2)
    assert not audit.clean


def test_a_gate_that_disagrees_with_the_record_breaks_conservation() -> None:
    assert _audit(paid=3, gate=7).conservation_ok
    assert not _audit(paid=3, gate=6).conservation_ok
    assert not _audit(paid=3, gate=8).clean


def test_no_gate_means_the_record_alone_is_judged() -> None:
    assert _audit(paid=3, gate=None).clean


@pytest.mark.parametrize("field", ["over_limit", "mismatched"])
def test_any_customer_over_limit_or_payment_mismatch_is_dirty(field: str) -> None:
    assert not _audit(paid=1, gate=9, **{field: 1}).clean
