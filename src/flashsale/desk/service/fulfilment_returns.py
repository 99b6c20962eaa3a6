"""The desk's ``Returns`` on fulfilment's returns: an agent starts a return on the customer's
behalf, with the same checks as the customer's own request (delivered, within the window, no
more units than may still come back)."""

from __future__ import annotations

from flashsale.fulfilment.service.returns import Returns


class FulfilmentReturns:
    def __init__(self, returns: Returns) -> None:
        self._returns = returns

    async def start_return(
        self, order_id: str, customer_id: str, quantity: int | None, reason: str, actor: str
    ) -> str:
        made = await self._returns.request(customer_id, order_id, quantity, reason, actor)
        return made.id
