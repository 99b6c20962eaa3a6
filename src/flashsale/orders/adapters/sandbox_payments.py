"""The built-in test payment gateway, following the public test-card convention.

4242424242424242 succeeds, 4000000000000002 is declined, 4000000000009995 fails for
insufficient funds and 4000000000000119 times out (the gateway is unavailable; try again).
Any other well-formed card is declined, as in a real gateway's test mode.

UPI follows Razorpay's test mode: the address ``success@razorpay`` pays and
``failure@razorpay`` is declined; any other address is declined, as a test mode's is.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from decimal import Decimal

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money
from flashsale.orders.errors import InsufficientFunds, PaymentDeclined, PaymentGatewayUnavailable

CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_INSUFFICIENT_FUNDS = "4000000000009995"
CARD_TIMES_OUT = "4000000000000119"
UPI_SUCCEEDS = "success@razorpay"
UPI_FAILS = "failure@razorpay"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def normalize_card(card: str) -> str:
    digits = card.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
        raise InvalidInput("card must be a card number (12 to 19 digits passing the Luhn check)")
    return digits


@dataclass(frozen=True, slots=True)
class Charge:
    reference: str
    amount: Money
    refunds: tuple[Money, ...] = ()  # partial refunds, in the order given

    @property
    def refunded_amount(self) -> Decimal:
        return sum((r.amount for r in self.refunds), Decimal(0))

    @property
    def refunded(self) -> bool:
        """Wholly refunded."""
        return self.refunded_amount >= self.amount.amount


class SandboxPaymentGateway:
    def __init__(self, latency_seconds: float = 0.0) -> None:
        self._latency = latency_seconds
        self._by_key: dict[str, Charge] = {}
        self._by_reference: dict[str, Charge] = {}
        self._refund_keys: dict[str, str] = {}

    async def charge(self, *, idempotency_key: str, amount: Money, card: str) -> str:
        digits = normalize_card(card)
        if self._latency:
            await asyncio.sleep(self._latency)
        existing = self._by_key.get(idempotency_key)
        if existing is not None:
            return existing.reference
        if digits == CARD_DECLINED:
            raise PaymentDeclined("the card was declined")
        if digits == CARD_INSUFFICIENT_FUNDS:
            raise InsufficientFunds("the card has insufficient funds")
        if digits == CARD_TIMES_OUT:
            raise PaymentGatewayUnavailable("the payment gateway timed out; try again")
        if digits != CARD_SUCCEEDS:
            raise PaymentDeclined("this test gateway accepts only its test cards")
        return self._charged(idempotency_key, amount, "ch")

    async def charge_upi(self, *, idempotency_key: str, amount: Money, vpa: str) -> str:
        """Collect from a UPI address once per idempotency key; its reference."""
        if self._latency:
            await asyncio.sleep(self._latency)
        existing = self._by_key.get(idempotency_key)
        if existing is not None:
            return existing.reference
        if vpa.strip().lower() != UPI_SUCCEEDS:
            raise PaymentDeclined("the UPI payment was declined")
        return self._charged(idempotency_key, amount, "upi")

    def _charged(self, idempotency_key: str, amount: Money, prefix: str) -> str:
        charge = Charge(reference=f"{prefix}_{secrets.token_hex(12)}", amount=amount)
        self._by_key[idempotency_key] = charge
        self._by_reference[charge.reference] = charge
        return charge.reference

    async def refund(
        self, reference: str, *, amount: Money | None = None, idempotency_key: str | None = None
    ) -> str:
        """Give back ``amount`` of a charge (all that is left of it by default), once per
        ``idempotency_key``; the refund's reference. More than is left is refused, as a
        real gateway refuses it."""
        if idempotency_key is not None and idempotency_key in self._refund_keys:
            return self._refund_keys[idempotency_key]
        charge = self._by_reference[reference]
        left = charge.amount.amount - charge.refunded_amount
        given = Money(left, charge.amount.currency) if amount is None else amount
        if given.currency != charge.amount.currency or not 0 < given.amount <= left:
            raise PaymentDeclined(f"cannot refund {given} of {charge.amount} ({left} left)")
        refunded = Charge(charge.reference, charge.amount, (*charge.refunds, given))
        self._by_reference[reference] = refunded
        for key, value in self._by_key.items():
            if value.reference == reference:
                self._by_key[key] = refunded
        refund_reference = f"re_{secrets.token_hex(12)}"
        if idempotency_key is not None:
            self._refund_keys[idempotency_key] = refund_reference
        return refund_reference

    def charges(self) -> list[Charge]:
        return list(self._by_reference.values())
