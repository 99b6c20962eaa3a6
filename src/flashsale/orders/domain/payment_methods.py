"""How a shopper chooses to pay an order: a card, a UPI address, or cash on delivery.

The order's market says which it offers (``catalog.market.PaymentMethods``); a choice it does
not offer is refused before any gateway is asked. A UPI address (a VPA, ``name@handle``) is
the payer's name at their payment app: letters, digits, dots, dashes and underscores before
the ``@``, the app's handle (letters) after it, as NPCI's specification writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flashsale.catalog.market import PaymentMethod, PaymentMethods
from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money
from flashsale.orders.errors import PaymentMethodNotAccepted

MAX_VPA = 255
_VPA = re.compile(r"[a-z0-9][a-z0-9._-]{1,199}@[a-z][a-z0-9]{1,49}")
_WORDS = {
    PaymentMethod.CARD: "card",
    PaymentMethod.UPI: "UPI",
    PaymentMethod.COD: "cash on delivery",
}


def normalize_vpa(text: str) -> str:
    """A UPI address as the payment apps read it: case does not matter, so lower case."""
    vpa = text.strip().lower()
    if len(vpa) > MAX_VPA or not _VPA.fullmatch(vpa):
        raise InvalidInput(f"vpa: {text[:60]!r} is not a UPI address such as name@bank")
    return vpa


@dataclass(frozen=True, slots=True)
class PaymentChoice:
    """One way to pay: ``card`` holds the card number, ``vpa`` the UPI address."""

    method: PaymentMethod
    card: str = ""
    vpa: str = ""

    @classmethod
    def of(cls, method: str, card: str | None = None, vpa: str | None = None) -> PaymentChoice:
        """The choice a form or a body makes; what a method needs and lacks is refused."""
        try:
            chosen = PaymentMethod(method.strip().lower())
        except ValueError:
            known = ", ".join(m.value for m in PaymentMethod)
            raise InvalidInput(f"method: {method[:20]!r} is not one of {known}") from None
        if chosen is PaymentMethod.CARD:
            if not card:
                raise InvalidInput("card: a card payment needs the card's number")
            return cls(chosen, card=card)
        if chosen is PaymentMethod.UPI:
            if not vpa:
                raise InvalidInput("vpa: a UPI payment needs the payer's UPI address")
            return cls(chosen, vpa=normalize_vpa(vpa))
        return cls(chosen)

    @classmethod
    def by_card(cls, card: str) -> PaymentChoice:
        return cls(PaymentMethod.CARD, card=card)

    def check_accepted(self, methods: PaymentMethods, amount: Money, market: str) -> None:
        """Refuse (PaymentMethodNotAccepted, 422) a way of paying the market does not offer."""
        if not methods.takes(self.method):
            offered = ", ".join(m.value for m in methods.accepted)
            raise PaymentMethodNotAccepted(
                f"{_WORDS[self.method]} is not offered in market {market} (it offers {offered})"
            )
        if self.method is PaymentMethod.COD and not methods.cod_allowed_for(amount.amount):
            raise PaymentMethodNotAccepted(
                f"cash on delivery is offered in market {market} up to {methods.cod_limit}"
                f" {amount.currency}; this order is {amount}"
            )


def usable(methods: PaymentMethods, amount: Money) -> tuple[PaymentMethod, ...]:
    """The market's methods that can pay this amount (cash on delivery up to its limit)."""
    return tuple(
        m
        for m in methods.accepted
        if m is not PaymentMethod.COD or methods.cod_allowed_for(amount.amount)
    )
