"""Webhook subscriptions over JSON, for the operator:

POST   /api/v1/admin/webhooks                    {url, events, secret?} -> 201, with the secret
GET    /api/v1/admin/webhooks                    every subscription (no secrets)
GET    /api/v1/admin/webhooks/{id}
PATCH  /api/v1/admin/webhooks/{id}               {url?, events?, active?}
DELETE /api/v1/admin/webhooks/{id}               it and its deliveries
GET    /api/v1/admin/webhooks/{id}/deliveries?status=failed
POST   /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry
"""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response

from flashsale.http.endpoints import V1, Endpoint
from flashsale.http.requests import read_json
from flashsale.http.responses import json_response
from flashsale.http.schemas.webhooks import (
    DeliveryListOut,
    DeliveryOut,
    DeliveryQuery,
    WebhookCreatedOut,
    WebhookEditIn,
    WebhookIn,
    WebhookListOut,
    WebhookOut,
)
from flashsale.webhooks.domain.delivery import DeliveryStatus
from flashsale.webhooks.service.subscriptions import Subscriptions

WEBHOOKS = f"{V1}/admin/webhooks"
ONE = f"{WEBHOOKS}/{{webhook_id}}"


class WebhookServices(Protocol):
    webhooks: Subscriptions


class WebhooksApi:
    def __init__(self, services: WebhookServices) -> None:
        self._webhooks = services.webhooks

    async def add_webhook(self, request: Request) -> Response:
        body = await read_json(request, WebhookIn)
        created = await self._webhooks.create(body.url, body.events, body.secret)
        return json_response(WebhookCreatedOut.created(created), 201)

    async def list_webhooks(self, request: Request) -> Response:
        found = await self._webhooks.all()
        return json_response(WebhookListOut(webhooks=[WebhookOut.of(s) for s in found]))

    async def get_webhook(self, request: Request) -> Response:
        found = await self._webhooks.find(request.path_params["webhook_id"])
        return json_response(WebhookOut.of(found))

    async def edit_webhook(self, request: Request) -> Response:
        body = await read_json(request, WebhookEditIn)
        changed = await self._webhooks.change(
            request.path_params["webhook_id"],
            url=body.url,
            events=body.events,
            active=body.active,
        )
        return json_response(WebhookOut.of(changed))

    async def remove_webhook(self, request: Request) -> Response:
        await self._webhooks.remove(request.path_params["webhook_id"])
        return Response(status_code=204)

    async def webhook_deliveries(self, request: Request) -> Response:
        query = DeliveryQuery.of(request.query_params)
        status = None if query.status is None else DeliveryStatus(query.status)
        found = await self._webhooks.deliveries(
            request.path_params["webhook_id"], status, query.limit, query.before
        )
        full = len(found) == query.limit
        return json_response(
            DeliveryListOut(
                deliveries=[DeliveryOut.of(d) for d in found],
                next_before=found[-1].id if full else None,
            )
        )

    async def retry_webhook_delivery(self, request: Request) -> Response:
        retried = await self._webhooks.retry(
            request.path_params["webhook_id"], request.path_params["delivery_id"]
        )
        return json_response(DeliveryOut.of(retried))


def endpoints(services: WebhookServices) -> list[Endpoint]:
    api = WebhooksApi(services)
    return [
        Endpoint(
            "POST",
            WEBHOOKS,
            api.add_webhook,
            "Subscribe a URL to order events (the secret is shown only here)",
            "webhooks",
            201,
            body=WebhookIn,
            response=WebhookCreatedOut,
            auth="admin",
            problems=(409, 422),
        ),
        Endpoint(
            "GET",
            WEBHOOKS,
            api.list_webhooks,
            "Every webhook subscription",
            "webhooks",
            response=WebhookListOut,
            auth="admin",
        ),
        Endpoint(
            "GET",
            ONE,
            api.get_webhook,
            "One webhook subscription",
            "webhooks",
            response=WebhookOut,
            auth="admin",
            problems=(404,),
        ),
        Endpoint(
            "PATCH",
            ONE,
            api.edit_webhook,
            "Change a webhook's URL or events, disable or enable it",
            "webhooks",
            body=WebhookEditIn,
            response=WebhookOut,
            auth="admin",
            problems=(404, 422),
        ),
        Endpoint(
            "DELETE",
            ONE,
            api.remove_webhook,
            "Remove a webhook and its deliveries",
            "webhooks",
            204,
            auth="admin",
            problems=(404,),
        ),
        Endpoint(
            "GET",
            f"{ONE}/deliveries",
            api.webhook_deliveries,
            "A webhook's deliveries, newest first",
            "webhooks",
            response=DeliveryListOut,
            query=DeliveryQuery,
            auth="admin",
            problems=(404, 422),
        ),
        Endpoint(
            "POST",
            f"{ONE}/deliveries/{{delivery_id}}/retry",
            api.retry_webhook_delivery,
            "Send a delivery again now (a dead letter, or a delivered one)",
            "webhooks",
            response=DeliveryOut,
            auth="admin",
            problems=(404, 409),
        ),
    ]
