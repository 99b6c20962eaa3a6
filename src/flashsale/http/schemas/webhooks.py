"""Bodies of the webhook endpoints: subscriptions (the secret only in the answer to their
creation) and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from flashsale.http.edge import Line
from flashsale.http.schemas.base import RequestBody, RequestQuery, ResponseBody
from flashsale.webhooks.domain.delivery import Delivery
from flashsale.webhooks.domain.subscription import KNOWN_EVENTS, MAX_EVENT_NAMES, Subscription
from flashsale.webhooks.domain.url_policy import MAX_URL_LENGTH

_EVENTS = (
    f'The kinds of order event to send: {", ".join(KNOWN_EVENTS)}; or ["*"] for every kind,'
    " those added later too. An unknown name is refused with the known ones listed."
)
_URL = (
    "Where to POST: https, to a public address (plain http and private, loopback or link-local"
    " addresses only with FLASHSALE_ENVIRONMENT=development; else 422"
    " /problems/webhook-url-not-allowed)."
)


class WebhookIn(RequestBody):
    url: Line = Field(
        max_length=MAX_URL_LENGTH,
        description=_URL,
        examples=["https://hooks.example.com/flashsale"],
    )
    events: list[Line] = Field(
        min_length=1, max_length=MAX_EVENT_NAMES, description=_EVENTS, examples=[["order.paid"]]
    )
    secret: Line | None = Field(
        default=None,
        max_length=200,
        description=(
            "whsec_ and a key of 24 to 64 bytes in base64 (Standard Webhooks); left out, the"
            " shop makes one of 32 random bytes. Shown only in this request's answer."
        ),
    )


class WebhookEditIn(RequestBody):
    """A field left out keeps its value."""

    url: Line | None = Field(default=None, max_length=MAX_URL_LENGTH, description=_URL)
    events: list[Line] | None = Field(
        default=None, min_length=1, max_length=MAX_EVENT_NAMES, description=_EVENTS
    )
    active: bool | None = Field(
        default=None,
        description="false stops deliveries (pending ones wait); true resumes them, also after"
        " a 410 Gone disabled the webhook.",
    )


class WebhookOut(ResponseBody):
    id: str
    url: str
    events: list[str]
    active: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: Subscription) -> WebhookOut:
        return cls(
            id=subscription.id,
            url=subscription.url,
            events=list(subscription.events),
            active=subscription.active,
            disabled_reason=subscription.disabled_reason,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Verify each delivery's webhook-signature with it. Shown once.")

    @classmethod
    def created(cls, subscription: Subscription) -> WebhookCreatedOut:
        return cls(**WebhookOut.of(subscription).model_dump(), secret=subscription.secret)


class WebhookListOut(ResponseBody):
    webhooks: list[WebhookOut]


DeliveryStatusName = Literal["pending", "delivered", "failed"]


class DeliveryOut(ResponseBody):
    id: str
    webhook_id: str
    event_id: str = Field(description="The webhook-id header: the same on every attempt.")
    event_type: str
    order_id: str
    status: DeliveryStatusName
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status: int | None = Field(description="The receiver's HTTP status at the last attempt.")
    last_error: str | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            webhook_id=delivery.subscription_id,
            event_id=delivery.event_id,
            event_type=delivery.kind,
            order_id=delivery.order_id,
            status=delivery.status.value,
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
            last_attempt_at=delivery.last_attempt_at,
            delivered_at=delivery.delivered_at,
            last_status=delivery.last_status,
            last_error=delivery.last_error,
        )


class DeliveryListOut(ResponseBody):
    deliveries: list[DeliveryOut]
    next_before: str | None = Field(
        description="A full page: ask again with before= this for older ones."
    )


class DeliveryQuery(RequestQuery):
    status: DeliveryStatusName | None = Field(
        default=None, description="Only deliveries in this state (failed: the dead letters)."
    )
    limit: int = Field(default=100, ge=1, le=1000)
    before: Line | None = Field(
        default=None, max_length=64, description="Older than this delivery: the next page."
    )
