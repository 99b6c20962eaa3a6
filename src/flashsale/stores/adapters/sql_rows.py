"""Rows of the stores' tables as the domain's values, and back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping

from flashsale.kernel.money import Money
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import PosSale, SaleLine, Tender, TenderMethod
from flashsale.stores.domain.store import StoreProfile, week_of, week_rows
from flashsale.stores.domain.till import Till


def profile_row(profile: StoreProfile) -> dict[str, Any]:
    return {
        "code": profile.code,
        "hours": week_rows(profile.hours),
        "pickup": profile.pickup,
        "pickup_days": profile.pickup_days,
        "ships_online": profile.ships_online,
        "pickup_by_transfer": profile.pickup_by_transfer,
        "transfer_days": profile.transfer_days,
        "last_receipt": 0,
    }


def profile_of(row: RowMapping) -> StoreProfile:
    return StoreProfile(
        code=row["code"],
        hours=week_of(row["hours"]),
        pickup=bool(row["pickup"]),
        pickup_days=int(row["pickup_days"]),
        ships_online=bool(row["ships_online"]),
        pickup_by_transfer=bool(row["pickup_by_transfer"]),
        transfer_days=int(row["transfer_days"]),
    )


def till_row(till: Till) -> dict[str, Any]:
    return {
        "id": till.id,
        "store_code": till.store_code,
        "name": till.name,
        "token_hash": till.token_hash,
        "created_at": till.created_at,
        "revoked_at": till.revoked_at,
    }


def till_of(row: RowMapping) -> Till:
    return Till(
        row["id"],
        row["store_code"],
        row["name"],
        row["token_hash"],
        row["created_at"],
        row["revoked_at"],
    )


def sale_row(sale: PosSale) -> dict[str, Any]:
    return {
        "id": sale.id,
        "store_code": sale.store_code,
        "number": sale.number,
        "till_id": sale.till_id,
        "clerk_id": sale.clerk_id,
        "currency": sale.total.currency,
        "total": sale.total.amount,
        "method": sale.tender.method.value,
        "tendered": sale.tender.tendered.amount,
        "change_due": sale.tender.change.amount,
        "card_reference": sale.tender.card_reference,
        "card_last4": sale.tender.card_last4,
        "customer_email": sale.customer_email,
        "idempotency_key": sale.idempotency_key,
        "fingerprint": sale.fingerprint,
        "created_at": sale.created_at,
    }


def line_rows(sale: PosSale) -> list[dict[str, Any]]:
    return [
        {
            "sale_id": sale.id,
            "line_no": n,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": line.unit_price.amount,
            "returned": line.returned,
        }
        for n, line in enumerate(sale.lines, start=1)
    ]


def sale_of(row: RowMapping, lines: Sequence[RowMapping]) -> PosSale:
    currency = row["currency"]
    return PosSale(
        id=row["id"],
        store_code=row["store_code"],
        till_id=row["till_id"],
        clerk_id=row["clerk_id"],
        lines=tuple(
            SaleLine(r["sku"], r["quantity"], Money(r["unit_price"], currency), r["returned"])
            for r in sorted(lines, key=lambda r: int(r["line_no"]))
        ),
        total=Money(row["total"], currency),
        tender=Tender(
            TenderMethod(row["method"]),
            Money(row["tendered"], currency),
            Money(row["change_due"], currency),
            row["card_reference"],
            row["card_last4"],
        ),
        created_at=row["created_at"],
        idempotency_key=row["idempotency_key"],
        fingerprint=row["fingerprint"],
        customer_email=row["customer_email"],
        number=int(row["number"]),
    )


def return_row(ret: PosReturn) -> dict[str, Any]:
    return {
        "id": ret.id,
        "sale_id": ret.sale_id,
        "store_code": ret.store_code,
        "lines": [[sku, quantity] for sku, quantity in ret.lines],
        "restock": ret.restock,
        "currency": ret.refund.currency,
        "refund": ret.refund.amount,
        "refund_reference": ret.refund_reference,
        "actor": ret.actor,
        "created_at": ret.created_at,
    }


def return_of(row: RowMapping) -> PosReturn:
    return PosReturn(
        id=row["id"],
        sale_id=row["sale_id"],
        store_code=row["store_code"],
        lines=tuple((str(sku), int(q)) for sku, q in row["lines"]),
        restock=bool(row["restock"]),
        refund=Money(row["refund"], row["currency"]),
        actor=row["actor"],
        created_at=row["created_at"],
        refund_reference=row["refund_reference"],
    )
