"""Bodies of stores, tills and the point of sale: stores (admin and public), tills and their
one-time tokens, POS sales and their receipts, returns and the endless aisle."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from flashsale.http.edge import Line
from flashsale.http.schemas.base import (
    AmountIn,
    MarketCodeIn,
    RequestBody,
    RequestQuery,
    ResponseBody,
)
from flashsale.http.schemas.customers import Email
from flashsale.http.schemas.fulfilment import LocationCode, SkuIn
from flashsale.inventory.domain.location import MAX_ADDRESS, MAX_NAME
from flashsale.kernel.money import Money
from flashsale.stores.domain.receipt import ReceiptText, format_money
from flashsale.stores.domain.returns import PosReturn
from flashsale.stores.domain.sale import MAX_LINE_QUANTITY, MAX_LINES, PosSale
from flashsale.stores.domain.store import (
    DEFAULT_PICKUP_DAYS,
    DEFAULT_TRANSFER_DAYS,
    MAX_CLERKS,
    MAX_PICKUP_DAYS,
    MAX_TRANSFER_DAYS,
    Store,
)
from flashsale.stores.domain.till import MAX_TILL_NAME, Till
from flashsale.stores.service.availability import Aisle

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Span = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"),
    Field(examples=["10:00-21:00"], description="Local opening and closing time, HH:MM-HH:MM."),
]
CardIn = Annotated[
    str, StringConstraints(min_length=12, max_length=23), Field(examples=["4242424242424242"])
]


class StoreIn(RequestBody):
    code: LocationCode
    name: Line = Field(min_length=1, max_length=MAX_NAME, examples=["Mi Home Bengaluru"])
    market: MarketCodeIn
    address: Line = Field(default="", max_length=MAX_ADDRESS)
    timezone: Line | None = Field(
        default=None, max_length=64, description="The market's by default."
    )
    hours: dict[Weekday, Span | None] = Field(
        default_factory=dict, description="Per weekday; a day not named (or null) is closed."
    )
    pickup: bool = True
    pickup_days: int = Field(default=DEFAULT_PICKUP_DAYS, ge=1, le=MAX_PICKUP_DAYS)
    ships_online: bool = False
    pickup_by_transfer: bool = Field(
        default=False, description="A pickup its shelf cannot serve is sent from a DC."
    )
    transfer_days: int = Field(default=DEFAULT_TRANSFER_DAYS, ge=1, le=MAX_TRANSFER_DAYS)
    clerks: list[Line] = Field(
        default_factory=list, max_length=MAX_CLERKS, description="Staff ids or emails."
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class StoreOut(ResponseBody):
    code: str
    name: str
    market: str
    address: str
    timezone: str
    active: bool
    hours: dict[str, str | None]
    pickup: bool
    pickup_days: int
    ships_online: bool
    pickup_by_transfer: bool
    transfer_days: int
    clerks: list[str]

    @classmethod
    def of(cls, store: Store) -> StoreOut:
        loc, profile = store.location, store.profile
        return cls(
            code=loc.code,
            name=loc.name,
            market=loc.market_code,
            address=loc.address,
            timezone=loc.timezone,
            active=loc.active,
            hours=profile.hours_by_day(),
            pickup=profile.pickup,
            pickup_days=profile.pickup_days,
            ships_online=profile.ships_online,
            pickup_by_transfer=profile.pickup_by_transfer,
            transfer_days=profile.transfer_days,
            clerks=list(store.clerks),
        )


class StoreListOut(ResponseBody):
    stores: list[StoreOut]


class PublicStoreOut(ResponseBody):
    code: str
    name: str
    address: str
    timezone: str
    hours: dict[str, str | None]
    pickup: bool

    @classmethod
    def of(cls, store: Store) -> PublicStoreOut:
        loc = store.location
        return cls(
            code=loc.code,
            name=loc.name,
            address=loc.address,
            timezone=loc.timezone,
            hours=store.profile.hours_by_day(),
            pickup=store.profile.pickup,
        )


class PublicStoreListOut(ResponseBody):
    market: str
    stores: list[PublicStoreOut]


class PublicStoreQuery(RequestQuery):
    market: MarketCodeIn


class StoreQuery(RequestQuery):
    market: MarketCodeIn | None = None


class TillIn(RequestBody):
    name: Line = Field(default="Till", min_length=1, max_length=MAX_TILL_NAME)


class TillOut(ResponseBody):
    till_id: str
    store: str
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, till: Till) -> TillOut:
        return cls(
            till_id=till.id,
            store=till.store_code,
            name=till.name,
            created_at=till.created_at,
            revoked_at=till.revoked_at,
        )


class TillCreatedOut(TillOut):
    token: str = Field(description="Shown this once: the till sends it as its Till-Token header.")


class TillListOut(ResponseBody):
    tills: list[TillOut]


class PosLineIn(RequestBody):
    sku: SkuIn
    quantity: int = Field(le=MAX_LINE_QUANTITY, description="At least 1.")


class TenderIn(RequestBody):
    method: Literal["cash", "card"]
    card: CardIn | None = None
    tendered: AmountIn | None = Field(
        default=None, description="Cash handed over; the total if not said."
    )


class PosSaleIn(RequestBody):
    lines: list[PosLineIn] = Field(min_length=1, max_length=MAX_LINES)
    payment: TenderIn
    customer_email: Email | None = Field(default=None, max_length=254)


class PosMoneyOut(ResponseBody):
    amount: Decimal
    currency: str
    text: str = Field(description="As the market reads it, e.g. ₹999.00.")

    @classmethod
    def of(cls, money: Money, locale: str) -> PosMoneyOut:
        return cls(amount=money.amount, currency=money.currency, text=format_money(money, locale))


class ReceiptLineOut(ResponseBody):
    sku: str
    quantity: int
    returned: int
    unit_price: PosMoneyOut
    total: PosMoneyOut


class TenderOut(ResponseBody):
    method: str
    tendered: PosMoneyOut
    change: PosMoneyOut
    card_last4: str | None


class StoreRefOut(ResponseBody):
    code: str
    name: str
    address: str


class ReceiptOut(ResponseBody):
    sale_id: str
    receipt_number: str
    store: StoreRefOut
    till_id: str
    clerk_id: str
    created_at: datetime
    local_time: str = Field(description="In the store's time zone.")
    lines: list[ReceiptLineOut]
    total: PosMoneyOut
    payment: TenderOut
    customer_email: str | None
    receipt_url: str = Field(description="The printable receipt; what its QR code encodes.")

    @classmethod
    def of(
        cls, sale: PosSale, store: StoreRefOut, locale: str, text: ReceiptText, url: str
    ) -> ReceiptOut:
        return cls(
            sale_id=sale.id,
            receipt_number=sale.receipt_number,
            store=store,
            till_id=sale.till_id,
            clerk_id=sale.clerk_id,
            created_at=sale.created_at,
            local_time=text.local_time,
            lines=[
                ReceiptLineOut(
                    sku=x.sku,
                    quantity=x.quantity,
                    returned=x.returned,
                    unit_price=PosMoneyOut.of(x.unit_price, locale),
                    total=PosMoneyOut.of(x.total, locale),
                )
                for x in sale.lines
            ],
            total=PosMoneyOut.of(sale.total, locale),
            payment=TenderOut(
                method=sale.tender.method.value,
                tendered=PosMoneyOut.of(sale.tender.tendered, locale),
                change=PosMoneyOut.of(sale.tender.change, locale),
                card_last4=sale.tender.card_last4,
            ),
            customer_email=sale.customer_email,
            receipt_url=url,
        )


class PosReturnIn(RequestBody):
    lines: list[PosLineIn] = Field(min_length=1, max_length=MAX_LINES)
    restock: bool


class PosReturnOut(ResponseBody):
    return_id: str
    sale_id: str
    lines: list[tuple[str, int]]
    restock: bool
    refund: PosMoneyOut
    refunded_to: str = Field(description="cash or card: the sale's own tender.")
    refund_reference: str | None

    @classmethod
    def of(cls, ret: PosReturn, method: str, locale: str) -> PosReturnOut:
        return cls(
            return_id=ret.id,
            sale_id=ret.sale_id,
            lines=list(ret.lines),
            restock=ret.restock,
            refund=PosMoneyOut.of(ret.refund, locale),
            refunded_to=method,
            refund_reference=ret.refund_reference,
        )


class AvailabilityQuery(RequestQuery):
    sku: SkuIn


class StoreUnitsOut(ResponseBody):
    code: str
    name: str
    address: str
    free: int


class AvailabilityOut(ResponseBody):
    sku: str
    market: str
    here: int
    stores: list[StoreUnitsOut]
    web: int

    @classmethod
    def of(cls, aisle: Aisle) -> AvailabilityOut:
        return cls(
            sku=aisle.sku,
            market=aisle.market_code,
            here=aisle.here,
            stores=[
                StoreUnitsOut(code=s.code, name=s.name, address=s.address, free=s.free)
                for s in aisle.stores
            ],
            web=aisle.web,
        )
