"""The OpenAPI document agrees with the server: schemathesis against a real ``flashsale serve``.

Every operation of /openapi.json is called with generated requests, valid and not, as the
customer and the operator, on sales, orders and waiting rooms that exist; each answer must be a
documented status with the documented media type, body and headers, and never a 500. Examples
are few and derandomized (a fixed seed, no time budget), so a run makes the same requests every
time; what the server answers may still vary with the clock (a rate limit refilled, an order
expired), which is why every answer it can give must be documented.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from flashsale.lab.devtools.server_process import ServerProcess
from flashsale.waiting_room.domain.room import MIN_RATE_PER_SECOND
from tests.e2e.live import ADMIN_TOKEN, server_env

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    unsupported_method,  # a method the document does not list for a path is answered 405
]
# Each ends the caller's session: they get a customer of their own, so the rest keep theirs.
SESSION_ENDS = [
    "/api/v1/sessions",  # DELETE: log out
    "/api/v1/customers/me/sessions",
    "/api/v1/customers/me/password",
]
# Per operation and mode: the API has some 150 operations, and the suite's 15 minutes are shared.
MAX_EXAMPLES = 10
SEED = 20150512  # the Mi Band sale in India


@dataclass(frozen=True, slots=True)
class World:
    url: str
    customer: str  # a session token
    throwaway: str  # another customer's, for the operations that end sessions
    open_sale: str  # with the customer's reserved order in it
    queued: str  # behind a waiting room whose queue the customer is in
    throttled: str  # behind a waiting room that lets a customer one request in 100 s
    orders: list[str]

    @property
    def sales(self) -> list[str]:
        # In this order, the fixed seed sends the throttled sale enough requests to see 429s.
        return [self.throttled, self.open_sale, self.queued]


def call(url: str, method: str, path: str, body: object = None, token: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else orjson.dumps(body)
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return orjson.loads(answer.read())


def customer(url: str, email: str) -> str:
    credentials = {"email": email, "password": "mi-fan-2015"}
    call(url, "POST", "/api/v1/customers", {**credentials, "market": "IN"})
    return str(call(url, "POST", "/api/v1/sessions", credentials)["token"])


def sale(url: str, sku: str, *, opens_in: timedelta, stock: int) -> str:
    now = datetime.now(UTC)
    opens = now + opens_in
    terms = {
        "sku": sku,
        "market": "IN",
        "stock": stock,
        "per_customer_limit": 5,
        "registration_opens_at": (now - timedelta(seconds=1)).isoformat(),
        "registration_closes_at": opens.isoformat(),
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(hours=2)).isoformat(),
        "payment_window_seconds": 3600,
    }
    return str(call(url, "POST", "/api/v1/admin/sales", terms, ADMIN_TOKEN)["id"])


def open_sale_with_an_order(url: str, buyer: str) -> tuple[str, str]:
    """A sale open for the next two hours, and the buyer's reserved order in it."""
    # Registration closes at the opening, a few seconds away: only the registration is in
    # that window, and the purchase waits for the opening.
    sale_id = sale(url, "MIBAND2", opens_in=timedelta(seconds=3), stock=1000)
    call(url, "POST", f"/api/v1/sales/{sale_id}/registrations", token=buyer)
    for _ in range(300):
        if call(url, "GET", f"/api/v1/sales/{sale_id}")["state"] == "open":
            break
        time.sleep(0.05)
    else:
        raise TimeoutError("the sale never opened")
    order = call(url, "POST", f"/api/v1/sales/{sale_id}/purchases", {"quantity": 1}, buyer)
    return sale_id, str(order["order_id"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path: Path = tmp_path_factory.mktemp("conformance")
    server = ServerProcess(server_env(tmp_path / "shop.db"), log_path=tmp_path / "server.log")
    server.start()
    try:
        url = server.url
        india = {"code": "IN", "name": "India", "currency": "INR", "locale": "en_IN"}
        call(url, "POST", "/api/v1/admin/markets", india, ADMIN_TOKEN)
        for sku in ("MIBAND2", "MIPB10000"):
            variant = {"sku": sku, "attributes": {}, "prices": {"IN": "999.00"}}
            product = {"name": sku, "variants": [variant]}
            call(url, "POST", "/api/v1/admin/products", product, ADMIN_TOKEN)
        fan = customer(url, "fan@example.com")
        open_id, order_id = open_sale_with_an_order(url, fan)
        queued = sale(url, "MIPB10000", opens_in=timedelta(hours=1), stock=50)
        call(url, "PUT", f"/api/v1/admin/sales/{queued}/waiting-room", {}, ADMIN_TOKEN)
        call(url, "POST", f"/api/v1/sales/{queued}/registrations", token=fan)
        call(url, "POST", f"/api/v1/sales/{queued}/queue", token=fan)
        # After the first, the fan's every request about this sale is answered 429.
        throttled = sale(url, "MIPB10000", opens_in=timedelta(hours=1), stock=50)
        slow = {"customer_requests_per_second": MIN_RATE_PER_SECOND}
        call(url, "PUT", f"/api/v1/admin/sales/{throttled}/waiting-room", slow, ADMIN_TOKEN)
        leaver = customer(url, "leaver@example.com")
        yield World(url, fan, leaver, open_id, queued, throttled, [order_id])
    except urllib.error.HTTPError as refused:
        raise AssertionError(f"{refused.code}: {refused.read()!r}") from refused
    finally:
        server.stop()


def configured(world: World, customer_token: str) -> SchemathesisConfig:
    def known(values: list[str]) -> dict[str, Any]:
        return {"values": values}

    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "request-timeout": 10,
            # An event stream stays open for a minute: its first event is enough.
            "max-stream-events": 1,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"enabled": False}},
            "auth": {
                "openapi": {
                    "customerToken": {"bearer": customer_token},
                    "adminToken": {"bearer": ADMIN_TOKEN},
                }
            },
            # Real ids most of the time, so that requests reach more than the 404s.
            "dictionaries": {
                "sales": known(world.sales),
                "orders": known(world.orders),
                "problems": known(["sold-out", "validation-error"]),
            },
            "parameters": {
                "path.sale_id": {"dictionary": "sales", "probability": 0.8},
                "path.order_id": {"dictionary": "orders", "probability": 0.7},
                "path.code": {"dictionary": "problems", "probability": 0.5},
            },
        }
    )


@pytest.fixture(scope="module")
def api(world: World) -> BaseSchema:
    config = configured(world, world.customer)
    return schemathesis.openapi.from_url(f"{world.url}/openapi.json", config=config)


@pytest.fixture(scope="module")
def api_for_a_leaver(world: World) -> BaseSchema:
    config = configured(world, world.throwaway)
    return schemathesis.openapi.from_url(f"{world.url}/openapi.json", config=config)


examples = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


every_operation = (
    schemathesis.pytest.from_fixture("api")
    .exclude(path=SESSION_ENDS[0], method="DELETE")
    .exclude(path=SESSION_ENDS[1:])
)
# Logging in comes with them, which is harmless: it ends nothing.
session_ends = schemathesis.pytest.from_fixture("api_for_a_leaver").include(path=SESSION_ENDS)


@every_operation.parametrize()
@examples
def test_every_answer_is_documented(case: Case[Any]) -> None:
    case.call_and_validate(checks=CHECKS)


@session_ends.parametrize()
@examples
def test_every_answer_of_the_session_ends_is_documented(case: Case[Any]) -> None:
    case.call_and_validate(checks=CHECKS)


def test_a_live_stream_of_the_queue_is_as_documented(api: BaseSchema, world: World) -> None:
    # Generated requests seldom open the stream of a queue the caller is in; this one does.
    events = api["/api/v1/sales/{sale_id}/queue/events"]["GET"]
    case = events.Case(path_parameters={"sale_id": world.queued})
    answer = case.call_and_validate(
        headers={"Authorization": f"Bearer {world.customer}"}, checks=CHECKS
    )
    assert answer.status_code == 200 and b"event: status" in answer.content


def test_a_405_names_every_method_of_its_path(world: World) -> None:
    paths = call(world.url, "GET", "/openapi.json")["paths"]
    wrong = {}
    for path, operations in paths.items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        request = urllib.request.Request(world.url + concrete, method="OPTIONS")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 405, path
        allowed = {m.strip().lower() for m in refused.value.headers["Allow"].split(",")}
        if allowed - {"head"} != set(operations):
            wrong[path] = refused.value.headers["Allow"]
    assert not wrong, wrong
