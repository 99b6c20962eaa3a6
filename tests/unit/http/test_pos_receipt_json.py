"""A till's receipt answers exactly what the documented response model would."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from flashsale.http.pos import receipt_json
from flashsale.http.schemas.stores import ReceiptOut, StoreRefOut
from flashsale.inventory.domain.location import Location, LocationKind
from flashsale.kernel.money import Money
from flashsale.stores.domain.receipt import receipt_text
from flashsale.stores.domain.sale import PosSale, SaleLine, card_tender, cash_tender

# hypothesis takes naive bounds and attaches the time zone itself.
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999"), places=2)
lines = st.lists(
    st.tuples(st.sampled_from(["MIBAND2", "MI-6", "Redmi Note 4"]), st.integers(1, 1000), prices),
    min_size=1,
    max_size=4,
    unique_by=lambda line: line[0],
)
STORES = [
    Location("MH-BLR", "Mi Home Bengaluru", "IN", "Asia/Kolkata", LocationKind.STORE, "MG Road"),
    Location("MH-\u00e9", 'Mi "Home"', "CN", "Asia/Shanghai", LocationKind.STORE, ""),
]


def sale_of(
    moment: datetime,
    priced: list[tuple[str, int, Decimal]],
    card: bool,
    extra: Decimal,
    email: str | None,
    currency: str,
) -> PosSale:
    sold = tuple(SaleLine(sku, n, Money(price, currency)) for sku, n, price in priced)
    total = Money(sum((line.total.amount for line in sold), Decimal(0)), currency)
    tender = (
        card_tender(total, "ch_1", "4242 4242 4242 4242")
        if card
        else cash_tender(total, total.amount + extra)
    )
    return PosSale(
        "pos_1", "MH-BLR", "till_1", "stf_1", sold, total, tender, moment, "k", "f", email, 7
    )


@given(
    moment=moments,
    priced=lines,
    card=st.booleans(),
    extra=st.sampled_from([Decimal(0), Decimal("1"), Decimal("0.50"), Decimal("1E+2")]),
    email=st.sampled_from([None, "ravi@example.in"]),
    where=st.sampled_from([(STORES[0], "en_IN", "INR"), (STORES[1], "zh_CN", "CNY")]),
)
def test_receipt_json_is_the_response_model_byte_for_byte(
    moment: datetime,
    priced: list[tuple[str, int, Decimal]],
    card: bool,
    extra: Decimal,
    email: str | None,
    where: tuple[Location, str, str],
) -> None:
    store, locale, currency = where
    sale = sale_of(moment, priced, card, extra, email, currency)
    url = "https://shop.example/pos/receipts/pos_1"
    model = ReceiptOut.of(
        sale,
        StoreRefOut(code=store.code, name=store.name, address=store.address),
        locale,
        receipt_text(sale, locale, store.timezone),
        url,
    )
    assert receipt_json(sale, store, locale, url) == model.model_dump_json().encode()
