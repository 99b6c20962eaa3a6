"""Bodies of refunds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from flashsale.http.edge import Text
from flashsale.http.schemas.base import AmountIn, RequestBody, ResponseBody
from flashsale.orders.domain.refunds import MAX_REASON, Refund


class RefundIn(RequestBody):
    amount: AmountIn
    reason: Text = Field(min_length=1, max_length=MAX_REASON, examples=["the strap broke"])


class RefundOut(ResponseBody):
    id: str
    order_id: str
    status: str  # pending, awaiting_approval, succeeded, failed
    amount: Decimal
    currency: str
    reason: str
    requested_by: str
    approved_by: str | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, refund: Refund) -> RefundOut:
        return cls(
            id=refund.id,
            order_id=refund.order_id,
            status=refund.status.value,
            amount=refund.amount.amount,
            currency=refund.amount.currency,
            reason=refund.reason,
            requested_by=refund.requested_by,
            approved_by=refund.approved_by,
            created_at=refund.created_at,
            decided_at=refund.decided_at,
        )


class RefundListOut(ResponseBody):
    refunds: list[RefundOut]
