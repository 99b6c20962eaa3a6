"""Taking an order's payment by the way its shopper chose: a card or a UPI address through
the gateway, or cash on delivery, which takes nothing now (the carrier collects it: see
``cash_on_delivery.py``).

The market of the order's sale says which ways it offers; a way it does not offer is refused
before the gateway is asked.
"""

from __future__ import annotations

import secrets

from flashsale.catalog.market import PaymentMethod, PaymentMethods
from flashsale.orders.domain.order import Order, PaymentStatus
from flashsale.orders.domain.payment_methods import PaymentChoice, usable
from flashsale.orders.errors import PaymentMethodNotAccepted
from flashsale.orders.ports import PaymentGateway, SaleMarkets, UpiGateway

# Without a market to ask (a shop built without one), cards only, as before methods existed.
CARDS_ONLY = PaymentMethods((PaymentMethod.CARD,))


class Payer:
    def __init__(
        self,
        gateway: PaymentGateway,
        upi: UpiGateway | None = None,
        markets: SaleMarkets | None = None,
    ) -> None:
        self._gateway = gateway
        self._upi = upi
        self._markets = markets

    async def methods_for(self, order: Order) -> tuple[str, PaymentMethods]:
        """The order's market (its code; "" when unknown) and the ways it offers to pay."""
        if self._markets is None:
            return "", CARDS_ONLY
        market = await self._markets.market_of_sale(order.sale_id)
        methods = market.payment_methods
        if self._upi is None:  # the gateway takes no UPI: not offered, whatever the market
            methods = PaymentMethods(
                tuple(m for m in methods.accepted if m is not PaymentMethod.UPI), methods.cod_limit
            )
        return market.code, methods

    async def options(self, order: Order) -> tuple[PaymentMethods, tuple[PaymentMethod, ...]]:
        """The market's ways to pay, and those that can pay this order."""
        _, methods = await self.methods_for(order)
        return methods, usable(methods, order.amount)

    async def take(self, order: Order, choice: PaymentChoice) -> tuple[str, PaymentStatus]:
        """Charge the order by the way chosen; the payment's reference and status (cash on
        delivery: ``due``, nothing charged). Raises PaymentMethodNotAccepted, PaymentDeclined,
        InsufficientFunds or PaymentGatewayUnavailable."""
        market, methods = await self.methods_for(order)
        choice.check_accepted(methods, order.amount, market or "of this shop")
        # The order id is the idempotency key: a retried or concurrent payment is one charge.
        if choice.method is PaymentMethod.CARD:
            reference = await self._gateway.charge(
                idempotency_key=order.id, amount=order.amount, card=choice.card
            )
            return reference, PaymentStatus.SUCCEEDED
        if choice.method is PaymentMethod.UPI:
            if self._upi is None:
                raise PaymentMethodNotAccepted("UPI is not offered by this shop's gateway")
            reference = await self._upi.charge_upi(
                idempotency_key=order.id, amount=order.amount, vpa=choice.vpa
            )
            return reference, PaymentStatus.SUCCEEDED
        return f"cod_{secrets.token_hex(12)}", PaymentStatus.DUE

    async def give_back(self, reference: str, status: PaymentStatus) -> bool:
        """Refund a charge whose payment could not be stored; False when nothing was taken."""
        if status is PaymentStatus.DUE:
            return False
        await self._gateway.refund(reference)
        return True
