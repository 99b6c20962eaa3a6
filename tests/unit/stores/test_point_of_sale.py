"""The point of sale's use cases on the memory record: who may sell, a card charged once and
given back when the shelf turns out short, a key replayed or refused, returns refunded to
their tender."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.catalog.service import Catalog
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import AuthenticationFailed, IdempotencyKeyReused
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sandbox_payments import SandboxPaymentGateway
from flashsale.record.memory_store import MemoryStore
from flashsale.staff.model import Role, StaffMember
from flashsale.stores.domain.sale import TenderMethod
from flashsale.stores.errors import InsufficientStoreStock, NotThisStoresClerk
from flashsale.stores.service.assembly import Stores, build_stores
from flashsale.stores.service.directory import StoreSpec
from flashsale.stores.service.selling import SaleRequest
from flashsale.stores.service.session import PosCaller

T0 = datetime(2017, 5, 20, 4, 30, tzinfo=UTC)
SKU = "MIBAND2"
CARD = "4242424242424242"


class Staff:
    def __init__(self, *members: StaffMember) -> None:
        self._by_id = {m.id: m for m in members}

    async def find(self, id_or_email: str) -> StaffMember | None:
        return self._by_id.get(id_or_email)


def clerk(n: int) -> StaffMember:
    return StaffMember(
        f"stf_{n}", f"c{n}@mi.com", "h", frozenset({Role.CLERK}), frozenset(), (), T0
    )


async def opened(units: int = 2) -> tuple[MemoryStore, Stores, SandboxPaymentGateway, PosCaller]:
    store = MemoryStore()
    await store.add_markets([Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")])
    band = Variant(SKU, "prod_1", {}, {"IN": Money(Decimal("999.00"), "INR")})
    await store.add_product(Product("prod_1", "Mi Band 2", (band,)))
    for n in (1, 2):
        await store.add_staff_member(clerk(n))
    gateway = SandboxPaymentGateway()
    stores = build_stores(
        store, Catalog(store), Staff(clerk(1), clerk(2)), gateway, ManualClock(T0)
    )
    for code, who in (("MH-BLR", "stf_1"), ("MH-MYS", "stf_2")):
        await stores.directory.add(
            StoreSpec(code, code, "IN", "", {"sat": "10:00-21:00"}, clerks=[who])
        )
    await store.record_changes([StockChange("MH-BLR", SKU, MoveKind.RECEIPT, units, "PO", "t", T0)])
    _, token = await stores.tills.add("MH-BLR", "Till 1")
    return store, stores, gateway, await stores.sessions.open(token, clerk(1))


async def test_only_the_stores_clerks_at_a_live_till_may_sell() -> None:
    _, stores, _, caller = await opened()
    _, token = await stores.tills.add("MH-BLR", "Till 2")
    with pytest.raises(NotThisStoresClerk):
        await stores.sessions.open(token, clerk(2))
    assert (await stores.sessions.open(token, clerk(1))).till.id != caller.till.id
    till = await stores.tills.revoke("MH-BLR", (await stores.tills.authenticate(token)).id)
    assert not till.active
    with pytest.raises(AuthenticationFailed, match="revoked"):
        await stores.sessions.open(token, clerk(1))
    with pytest.raises(AuthenticationFailed, match="not a till token"):
        await stores.sessions.open("till_x", clerk(1))
    with pytest.raises(AuthenticationFailed):
        await stores.tills.authenticate("not-a-till-token")


async def test_a_card_charged_for_a_shelf_gone_short_is_refunded() -> None:
    store, stores, gateway, caller = await opened(units=1)
    request = SaleRequest([(SKU, 1)], TenderMethod.CARD, card=CARD)
    # Another door takes the last unit between the shelf's check and the sale's transaction.
    record = store.pos_record_sale

    async def racing(sale):  # type: ignore[no-untyped-def]
        await store.record_changes(
            [StockChange("MH-BLR", SKU, MoveKind.WRITE_OFF, 1, "x", "t", T0)]
        )
        return await record(sale)

    store.pos_record_sale = racing  # type: ignore[method-assign]
    with pytest.raises(InsufficientStoreStock):
        await stores.pos.sell(caller, request, "k-1")
    (charge,) = gateway.charges()
    assert charge.refunded


async def test_a_key_replays_its_sale_and_refuses_another() -> None:
    _, stores, gateway, caller = await opened()
    request = SaleRequest([(SKU, 1)], TenderMethod.CARD, card=CARD)
    first = await stores.pos.sell(caller, request, "k-1")
    again = await stores.pos.sell(caller, request, "k-1")
    assert not first.replayed and again.replayed and again.sale == first.sale
    assert len(gateway.charges()) == 1
    with pytest.raises(IdempotencyKeyReused):
        await stores.pos.sell(caller, replace(request, lines=[(SKU, 2)]), "k-1")


async def test_a_card_return_is_refunded_through_the_gateway() -> None:
    _, stores, gateway, caller = await opened()
    sold = await stores.pos.sell(caller, SaleRequest([(SKU, 2)], TenderMethod.CARD, card=CARD), "k")
    back = await stores.returns.take_back(caller, sold.sale.id, [(SKU, 1)], restock=True)
    assert back.refund_reference is not None
    (charge,) = gateway.charges()
    assert charge.refunded_amount == Decimal("999.00") and not charge.refunded
    assert [r.refund_reference for r in await stores.returns.of_sale(sold.sale.id)] == [
        back.refund_reference
    ]


async def test_the_endless_aisle_counts_other_stores_and_the_web() -> None:
    store, stores, _, caller = await opened()
    await store.record_changes([StockChange("MH-MYS", SKU, MoveKind.RECEIPT, 5, "PO", "t", T0)])
    aisle = await stores.availability.of(caller.store_code, SKU)
    assert (aisle.here, [s.code for s in aisle.stores], aisle.web) == (2, ["MH-MYS"], 0)


async def test_a_cash_retry_of_the_last_unit_replays_its_receipt() -> None:
    _, stores, _, caller = await opened(units=1)
    request = SaleRequest([(SKU, 1)], TenderMethod.CASH, Decimal("1000"))
    first = await stores.pos.sell(caller, request, "k-last")
    again = await stores.pos.sell(caller, request, "k-last")  # the shelf is empty now
    assert again.replayed and again.sale == first.sale
    with pytest.raises(InsufficientStoreStock):
        await stores.pos.sell(caller, request, "k-other")
    with pytest.raises(IdempotencyKeyReused):
        await stores.pos.sell(caller, replace(request, tendered=Decimal("2000")), "k-last")


async def test_a_retry_after_a_voided_charge_is_charged_anew() -> None:
    store, stores, gateway, caller = await opened(units=1)
    request = SaleRequest([(SKU, 1)], TenderMethod.CARD, card=CARD)
    record = store.pos_record_sale
    short = True

    async def once_short(sale):  # type: ignore[no-untyped-def]
        nonlocal short
        if short:
            short = False
            raise InsufficientStoreStock("the shelf went short meanwhile")
        return await record(sale)

    store.pos_record_sale = once_short  # type: ignore[method-assign]
    with pytest.raises(InsufficientStoreStock):
        await stores.pos.sell(caller, request, "k-1")
    sold = await stores.pos.sell(caller, request, "k-1")
    voided, paid = gateway.charges()
    assert voided.refunded and not paid.refunded
    assert sold.sale.tender.card_reference == paid.reference
