"""Every mail template the shop sends, and the data each one needs: the one place its keys are
written down.

A template's files live in ``notifications/templates/<locale>/<name>.subject``, ``.txt`` and
(optionally) ``.html``; ``en`` must have every one. A domain that sends a new kind of mail adds
its entry here and its files there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale

from flashsale.kernel.errors import InvalidInput
from flashsale.notifications.domain.fields import Field, Kind, shown


@dataclass(frozen=True, slots=True)
class MailTemplate:
    name: str
    sent_when: str
    fields: Mapping[str, Field]

    def formatted(self, data: Mapping[str, object], locale: Locale) -> dict[str, str]:
        """Every field of ``data`` written out for ``locale``; InvalidInput when a key is
        missing, unknown (a typo would otherwise go unseen) or of the wrong kind."""
        missing = sorted(self.fields.keys() - data.keys())
        unknown = sorted(data.keys() - self.fields.keys())
        if missing or unknown:
            problems = [f"missing {', '.join(missing)}"] if missing else []
            problems += [f"unknown {', '.join(unknown)}"] if unknown else []
            raise InvalidInput(f"{self.name} data: {'; '.join(problems)}")
        return {
            name: shown(f"{self.name}.{name}", field, data[name], locale)
            for name, field in self.fields.items()
        }


_ORDER_ID = Field(Kind.TEXT, "the order's id, as the customer's order page shows it")
_PRODUCT = Field(Kind.TEXT, "what was bought: the product's name and its variant")

ORDER_CONFIRMATION = MailTemplate(
    name="order_confirmation",
    sent_when="a purchase is stored: the units are the customer's until the payment window ends",
    fields={
        "order_id": _ORDER_ID,
        "product": _PRODUCT,
        "quantity": Field(Kind.COUNT, "units in the order"),
        "amount": Field(Kind.MONEY, "the order's total"),
        "pay_by": Field(Kind.MOMENT, "when the reservation expires unless paid"),
        "order_url": Field(Kind.LINK, "the order's page, where it is paid"),
    },
)

PAYMENT_REMINDER = MailTemplate(
    name="payment_reminder",
    sent_when="an order is still unpaid a little before its payment window ends",
    fields={
        "order_id": _ORDER_ID,
        "product": _PRODUCT,
        "amount": Field(Kind.MONEY, "the amount to pay"),
        "pay_by": Field(Kind.MOMENT, "when the reservation expires unless paid"),
        "pay_url": Field(Kind.LINK, "the page where the order is paid"),
    },
)

REFUND_ISSUED = MailTemplate(
    name="refund_issued",
    sent_when="a payment is refunded (e.g. it lost the race with the order's expiry)",
    fields={
        "order_id": _ORDER_ID,
        "product": _PRODUCT,
        "amount": Field(Kind.MONEY, "the amount refunded"),
        "refunded_at": Field(Kind.MOMENT, "when the refund was issued"),
    },
)

# The service desk's reply to a case (desk/): the subject carries the case number, by which a
# reply to the mail is threaded back onto the case.
SERVICE_DESK_REPLY = MailTemplate(
    name="service_desk_reply",
    sent_when="an agent of the service desk replies to a customer's case",
    fields={
        "case_number": Field(Kind.TEXT, "the case's number, as its page shows it"),
        "reply": Field(Kind.TEXT, "the reply, or its first 1,000 characters"),
        "case_url": Field(Kind.LINK, "the case's page, where the whole conversation is"),
    },
)

# A forgotten password (customers/password_reset.py): the link works once, until expires_at.
PASSWORD_RESET = MailTemplate(
    name="password_reset",
    sent_when="a customer asks for a new password on the log-in page",
    fields={
        "reset_url": Field(Kind.LINK, "the page where the new password is set"),
        "expires_at": Field(Kind.MOMENT, "when the link stops working"),
    },
)

# Fulfilment's parcels (fulfilment/): mailed by order mail from ``order.shipped`` and
# ``order.delivered`` in the feed.
ORDER_SHIPPED = MailTemplate(
    name="order_shipped",
    sent_when="a parcel of the order leaves the distribution centre",
    fields={
        "order_id": _ORDER_ID,
        "product": _PRODUCT,
        "carrier": Field(Kind.TEXT, "who carries the parcel"),
        "tracking_number": Field(Kind.TEXT, "the carrier's tracking number"),
        "shipped_at": Field(Kind.MOMENT, "when it left"),
        "order_url": Field(Kind.LINK, "the order's page"),
    },
)
ORDER_DELIVERED = MailTemplate(
    name="order_delivered",
    sent_when="the carrier reports a parcel of the order delivered",
    fields={
        "order_id": _ORDER_ID,
        "product": _PRODUCT,
        "delivered_at": Field(Kind.MOMENT, "when it was delivered"),
        "order_url": Field(Kind.LINK, "the order's page, where a return is asked for"),
    },
)

# Click & collect (stores/service/pickups.py): sent when a clerk sets the order aside.
PICKUP_READY = MailTemplate(
    name="pickup_ready",
    sent_when="a clerk sets a click & collect order aside at its store",
    fields={
        "order_id": _ORDER_ID,
        "product": _PRODUCT,
        "store": Field(Kind.TEXT, "the store's name and address"),
        "code": Field(Kind.TEXT, "the six-digit pickup code the clerk asks for"),
        "code_qr": Field(Kind.IMAGE, "the code's QR code, a PNG the clerk's scanner reads"),
        "collect_by": Field(Kind.MOMENT, "when the order is given up unless collected"),
        "order_url": Field(Kind.LINK, "the order's page, which shows the code"),
    },
)

TEMPLATES: Mapping[str, MailTemplate] = {
    t.name: t
    for t in (
        ORDER_CONFIRMATION,
        PAYMENT_REMINDER,
        REFUND_ISSUED,
        SERVICE_DESK_REPLY,
        PASSWORD_RESET,
        ORDER_SHIPPED,
        ORDER_DELIVERED,
        PICKUP_READY,
    )
}


def template_named(name: str) -> MailTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        known = ", ".join(sorted(TEMPLATES))
        raise InvalidInput(f"no mail template {name[:60]!r} (known: {known})") from None
