"""The "ready for pickup" mail, through the shop's notifier (``notifications``), in the
customer's market's locale: the code and its QR, the store, the day it is given up, the order's
page.

The QR travels inside the mail as a PNG ``data:`` URI (the notifier's mails are text and HTML,
with no attachments): a mail client that blocks such images still shows the code in digits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import segno

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.inventory.domain.location import Location
from flashsale.notifications.domain.message import Message
from flashsale.notifications.ports import Notifier
from flashsale.orders.domain.order import Order
from flashsale.stores.domain.pickup import Pickup

TEMPLATE = "pickup_ready"  # notifications/domain/catalogue.py
QR_SCALE = 4  # pixels a module: a six-digit code's QR is 116 px, as the template sizes it


def code_qr(pickup: Pickup) -> str:
    """The pickup's QR as a PNG data: URI: always a full QR code, never a Micro QR (segno's
    choice for six digits), which phone cameras and counter scanners do not read."""
    return segno.make_qr(pickup.qr_text).png_data_uri(scale=QR_SCALE)


class MailRecord(Protocol):
    async def customer(self, customer_id: str) -> Customer | None: ...

    async def market(self, code: str) -> Market | None: ...

    async def variant(self, sku: str) -> Variant | None: ...

    async def products(self) -> list[Product]: ...

    async def location(self, code: str) -> Location | None: ...


class MailPickupNotices:
    def __init__(self, record: MailRecord, notifier: Notifier, public_url: str) -> None:
        self._record = record
        self._notifier = notifier
        self._public_url = public_url.rstrip("/")

    async def ready(self, order: Order, pickup: Pickup) -> None:
        customer = await self._record.customer(order.customer_id)
        store = await self._record.location(pickup.store)
        if customer is None or store is None:
            return  # neither is ever deleted under an order
        market = await self._record.market(customer.market_code)
        locale = market.locale if market is not None else "en"
        data = {
            "order_id": order.id,
            "product": f"{order.quantity} × {await self._product(order.sku)}",
            "store": f"{store.name}, {store.address}" if store.address else store.name,
            "code": pickup.code,
            "code_qr": code_qr(pickup),
            "collect_by": pickup.due_at,
            "order_url": f"{self._public_url}/orders/{order.id}",
        }
        await self._notifier.send([Message(customer.email, TEMPLATE, locale, data)])

    async def _product(self, sku: str) -> str:
        variant = await self._record.variant(sku)
        if variant is None:
            return sku
        named: Sequence[Product] = [
            p for p in await self._record.products() if p.id == variant.product_id
        ]
        attributes = ", ".join(variant.attributes.values())
        name = named[0].name if named else sku
        return f"{name} ({attributes})" if attributes else name
