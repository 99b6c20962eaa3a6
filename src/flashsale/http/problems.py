"""RFC 9457 problem details: every refusal is a JSON answer with a stable ``type``.

The ``type`` is a relative URI under /problems/ that this app also serves, so a client (or a
person) can look up what a refusal means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from flashsale.channels import errors as channel_errors
from flashsale.customers import errors as customer_errors
from flashsale.desk import errors as desk_errors
from flashsale.fulfilment import errors as fulfilment_errors
from flashsale.inventory import errors as inventory_errors
from flashsale.kernel import errors
from flashsale.orders import errors as order_errors
from flashsale.sales import errors as sale_errors
from flashsale.stores import errors as store_errors
from flashsale.stores import pickup_errors
from flashsale.waiting_room.domain import errors as room_errors
from flashsale.webhooks.domain import errors as webhook_errors

PROBLEM_CONTENT_TYPE = "application/problem+json"

# status, title; the most specific class wins because lookups walk the exception's MRO.
STATUS_OF: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.DomainError: (400, "Bad request"),
    errors.InvalidInput: (422, "Invalid input"),
    errors.NotFound: (404, "Not found"),
    errors.Conflict: (409, "Conflict"),
    sale_errors.SaleNotEditable: (409, "The sale can no longer be edited"),
    errors.AuthenticationFailed: (401, "Authentication failed"),
    errors.Forbidden: (403, "Forbidden"),
    sale_errors.SaleNotOpenYet: (425, "The sale has not opened yet"),
    sale_errors.SaleClosed: (410, "The sale is closed"),
    sale_errors.SoldOut: (409, "Sold out"),
    sale_errors.InsufficientStock: (409, "Not enough units left"),
    sale_errors.LimitReached: (409, "Per-customer limit reached"),
    sale_errors.NotRegistered: (403, "Not registered for this sale"),
    sale_errors.RegistrationNotOpenYet: (425, "Registration has not opened yet"),
    sale_errors.RegistrationClosed: (410, "Registration is closed"),
    order_errors.OrderNotPayable: (409, "The order cannot be paid"),
    order_errors.OrderExpired: (410, "The order expired"),
    order_errors.OrderNotCancellable: (409, "The order cannot be cancelled"),
    order_errors.PaymentDeclined: (402, "Payment declined"),
    order_errors.InsufficientFunds: (402, "Insufficient funds"),
    order_errors.PaymentGatewayUnavailable: (503, "Payment gateway unavailable"),
    order_errors.OrderNotPaid: (409, "The order is not paid"),
    order_errors.RefundExceedsPayment: (409, "The refund exceeds the payment"),
    order_errors.RefundNotAwaitingApproval: (409, "The refund is not awaiting approval"),
    order_errors.RefundNeedsAnotherApprover: (403, "Another person must approve this refund"),
    sale_errors.CommitFailed: (503, "Order not stored"),
    errors.IdempotencyKeyReused: (422, "Idempotency key used for another request"),
    # the waiting room
    room_errors.AdmissionRefused: (403, "Admission refused"),
    room_errors.AdmissionRequired: (403, "Admission token required"),
    room_errors.AdmissionTokenInvalid: (403, "Admission token not valid"),
    room_errors.AdmissionTokenExpired: (403, "Admission token expired"),
    room_errors.AdmissionTokenNotYours: (403, "Admission token issued to someone else"),
    room_errors.AdmissionTokenUsed: (403, "Admission token used already"),
    room_errors.ProofOfWorkRequired: (403, "Proof of work required"),
    room_errors.AddressCapReached: (403, "Too many customers from this address"),
    room_errors.NotInQueue: (404, "Not in the queue"),
    room_errors.NoWaitingRoom: (404, "No waiting room"),
    room_errors.TooManyRequests: (429, "Too many requests"),
    # log-in and sign-up
    customer_errors.TooManyAttempts: (429, "Too many attempts"),
    errors.Busy: (503, "Busy: try again in a moment"),
    webhook_errors.WebhookUrlNotAllowed: (422, "Webhook URL not allowed"),
    # inventory and fulfilment
    inventory_errors.InsufficientOnHand: (409, "Not enough on hand"),
    inventory_errors.AllotmentAboveFree: (409, "Allotment above free stock"),
    inventory_errors.AllotmentsDoNotSum: (422, "Allotments do not add up to the stock"),
    fulfilment_errors.InvalidTransition: (409, "Invalid transition"),
    order_errors.OrderInFulfilment: (409, "The order is in fulfilment"),
    # partner channels
    channel_errors.PoolAboveFree: (409, "Pool above free stock"),
    channel_errors.PoolBelowConsumed: (409, "Pool below what the partner consumed"),
    channel_errors.PoolChanged: (409, "Pool changed meanwhile: send the file again"),
    channel_errors.UnreadableImport: (422, "Nothing in the file is readable"),
    # stores and the point of sale
    store_errors.NotSoldHere: (422, "Not sold here"),
    store_errors.CashShort: (422, "Cash tendered below the total"),
    store_errors.ReturnExceedsSale: (422, "More returned than sold"),
    store_errors.NotThisStoresClerk: (403, "Not a clerk of this store"),
    pickup_errors.PickupUnavailable: (409, "The store cannot hand over this order"),
    pickup_errors.PickupNotAllocated: (409, "The order waits for stock at the store"),
    # the service desk
    desk_errors.CaseNotFound: (404, "No such case"),
    desk_errors.InvalidTransition: (409, "The case cannot move to that status"),
    desk_errors.AgentUnavailable: (409, "The agent is not available"),
    desk_errors.ActionUnavailable: (409, "The action is not available"),
    desk_errors.UnknownVariable: (422, "Unknown macro variable"),
    desk_errors.CaseChanged: (409, "The case changed meanwhile"),
    desk_errors.NotYourCase: (403, "Not your case"),
}

# Answers a client should simply retry a moment later.
RETRY_AFTER_SECONDS = {503: "1"}


def status_and_title(error: errors.DomainError) -> tuple[int, str]:
    for cls in type(error).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400, "Bad request"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if extra:
        body.update(extra)
    all_headers = dict(headers or {})
    if status in RETRY_AFTER_SECONDS:
        all_headers.setdefault("Retry-After", RETRY_AFTER_SECONDS[status])
    if status == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return Response(
        orjson.dumps(body), status_code=status, headers=all_headers, media_type=PROBLEM_CONTENT_TYPE
    )


def from_domain_error(error: errors.DomainError) -> Response:
    status, title = status_and_title(error)
    retry_after = getattr(error, "retry_after", None)
    headers = None if retry_after is None else {"Retry-After": str(retry_after)}
    extra = getattr(error, "extra", None)  # a refusal's own members (RFC 9457 §3.2)
    return problem(status, error.code, title, error.detail, extra=extra, headers=headers)


def catalogue() -> dict[str, dict[str, Any]]:
    """Every problem type this API answers with, for /problems/{code} and the docs."""
    found: dict[str, dict[str, Any]] = {}
    for cls, (status, title) in STATUS_OF.items():
        found[cls.code] = {"type": f"/problems/{cls.code}", "title": title, "status": status}
    for code, status, title in EDGE_PROBLEMS:
        found[code] = {"type": f"/problems/{code}", "title": title, "status": status}
    return found


# Problems raised by the HTTP edge itself rather than the domain.
EDGE_PROBLEMS = (
    ("malformed-json", 400, "Malformed JSON"),
    ("validation-error", 422, "Invalid input"),
    ("invalid-characters", 422, "Invalid characters"),
    ("invalid-data", 422, "Value not accepted"),
    ("payload-too-large", 413, "Payload too large"),
    # answered by the app server (server_limits.py) to clients too slow or too large
    ("request-timeout", 408, "Request timeout"),
    ("request-header-fields-too-large", 431, "Request header fields too large"),
    ("unsupported-media-type", 415, "Unsupported media type"),
    ("route-not-found", 404, "Not found"),
    ("method-not-allowed", 405, "Method not allowed"),
    ("gate-unavailable", 503, "Stock gate unavailable"),
    ("store-unavailable", 503, "Store unavailable"),
    ("internal-error", 500, "Internal error"),
)
