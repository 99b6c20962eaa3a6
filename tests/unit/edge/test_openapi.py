"""The OpenAPI document states what the server answers: every status, its headers, parameters
the handlers read, and constraints their validators enforce."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from flashsale.http.edge import NO_CONTROL, Line
from flashsale.http.endpoints import Endpoint, Header, routes
from flashsale.http.openapi import openapi_document, refusals
from flashsale.http.room_schemas import QueueStatusOut, StreamQuery
from flashsale.http.schemas.base import RequestBody, RequestQuery
from flashsale.http.schemas.catalog import MarketIn, ProductListOut, ProductQuery
from flashsale.http.schemas.customers import EMAIL_PATTERN, CustomerIn
from flashsale.http.schemas.orders import CARD_PATTERN


async def answer(request: Request) -> Response:
    return PlainTextResponse(request.method)


class Bare:
    """An endpoint served as a bare ASGI app, as the purchase is."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("bare")(scope, receive, send)


def operation(endpoint: Endpoint) -> dict[str, Any]:
    document = openapi_document([endpoint])
    found: dict[str, Any] = document["paths"][endpoint.path][endpoint.method.lower()]
    return found


# -- statuses ------------------------------------------------------------------------------


def test_a_token_a_body_and_a_path_imply_their_refusals() -> None:
    admin = Endpoint("POST", "/things/{id}", answer, "Add", "t", body=MarketIn, auth="admin")
    assert refusals(admin) == [400, 401, 403, 413, 415, 422]
    customer = Endpoint("GET", "/mine", answer, "Mine", "t", auth="customer", problems=(404,))
    assert {401, 404} <= set(refusals(customer))
    assert refusals(Endpoint("GET", "/healthz", answer, "Up", "t")) == []


def test_other_successes_share_the_answer_of_the_first() -> None:
    endpoint = Endpoint("POST", "/m", answer, "Put", "t", 201, also=(200,), response=MarketIn)
    responses = operation(endpoint)["responses"]
    assert responses["200"] == responses["201"]
    assert "application/json" in responses["200"]["content"]


def test_refusals_carry_the_headers_the_server_always_sends() -> None:
    endpoint = Endpoint("GET", "/m", answer, "M", "t", auth="customer", problems=(429, 503))
    responses = operation(endpoint)["responses"]
    assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
    for status in ("429", "503"):
        retry_after = responses[status]["headers"]["Retry-After"]
        assert retry_after["required"] is True and retry_after["schema"]["type"] == "integer"
    assert responses["401"]["content"]["application/problem+json"]


def test_success_headers_are_documented() -> None:
    location = Header("Location", "Where it is.", required=True)
    endpoint = Endpoint("POST", "/o", answer, "O", "t", 201, response_headers=(location,))
    headers = operation(endpoint)["responses"]["201"]["headers"]
    assert headers == {
        "Location": {"description": "Where it is.", "required": True, "schema": {"type": "string"}}
    }


# -- parameters ----------------------------------------------------------------------------


def test_a_path_parameter_is_a_segment_without_control_characters() -> None:
    (parameter,) = operation(Endpoint("GET", "/sales/{sale_id}", answer, "S", "t"))["parameters"]
    assert parameter["in"] == "path" and parameter["required"] is True
    pattern = re.compile(parameter["schema"]["pattern"])
    assert pattern.match("sale_01a2") and pattern.match("ü €")
    assert not any(pattern.match(bad) for bad in ("", "a/b", "a\x00", "\x1f"))


def test_a_query_model_lists_one_optional_parameter_per_field() -> None:
    endpoint = Endpoint("GET", "/p", answer, "P", "t", response=ProductListOut, query=ProductQuery)
    (market,) = operation(endpoint)["parameters"]
    assert market["in"] == "query" and market["required"] is False
    assert market["description"].startswith("A market's two-letter code")
    # A query string has no null: the parameter is simply left out.
    assert market["schema"] == {
        "type": "string",
        "minLength": 2,
        "maxLength": 2,
        "pattern": NO_CONTROL,
        "examples": ["IN"],
    }


def test_a_query_model_reads_the_last_of_a_repeated_parameter_and_ignores_others() -> None:
    assert ProductQuery.of(QueryParams("market=us&market=in&page=2")).market == "in"
    assert ProductQuery.of(QueryParams("")).market is None
    with pytest.raises(ValidationError):
        ProductQuery.of(QueryParams("market=IND"))


def test_a_required_query_parameter_is_documented_required() -> None:
    class Needed(RequestQuery):
        code: Line

    endpoint = Endpoint("GET", "/n", answer, "N", "t", query=Needed)
    (code,) = operation(endpoint)["parameters"]
    assert code["required"] is True and code["schema"]["type"] == "string"


def test_request_headers_are_documented_with_their_constraints() -> None:
    key = Header("Idempotency-Key", "Retry safely.", {"type": "string", "maxLength": 255})
    (parameter,) = operation(Endpoint("POST", "/b", answer, "B", "t", headers=(key,)))["parameters"]
    assert parameter == {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Retry safely.",
        "schema": {"type": "string", "maxLength": 255},
    }


# -- an event stream -----------------------------------------------------------------------


def test_an_event_stream_documents_each_event_and_its_json_data() -> None:
    endpoint = Endpoint(
        "GET",
        "/events",
        answer,
        "E",
        "t",
        response=QueueStatusOut,
        query=StreamQuery,
        media_type="text/event-stream",
        event="status",
    )
    document = openapi_document([endpoint])
    ok = document["paths"]["/events"]["get"]["responses"]["200"]
    schema = ok["content"]["text/event-stream"]["schema"]
    assert schema["required"] == ["event", "data"]
    assert schema["properties"]["event"] == {"const": "status"}
    data = schema["properties"]["data"]
    assert data["contentMediaType"] == "application/json"
    assert data["contentSchema"] == {"$ref": "#/components/schemas/QueueStatusOut"}
    assert "QueueStatusOut" in document["components"]["schemas"]


# -- constraints the validators enforce ----------------------------------------------------


def test_the_edges_string_types_document_their_refusal_of_controls() -> None:
    class Body(RequestBody):
        line: Line

    schema = Body.model_json_schema()["properties"]["line"]
    assert re.match(schema["pattern"], "Mi Band 2") and not re.match(schema["pattern"], "a\tb")
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({"line": "a\x00"})
    assert refused.value.errors()[0]["type"] == "invalid_characters"  # still the validator's


def test_a_trimmed_name_is_documented_as_holding_something() -> None:
    pattern = re.compile(MarketIn.model_json_schema()["properties"]["name"]["pattern"])
    assert pattern.match(" India ") and pattern.match("Ελλάδα")
    assert not any(pattern.match(blank) for blank in ("", "   ", "\u3000", "\x85", "In\x00dia"))


def test_sign_up_documents_the_accounts_rules() -> None:
    properties = CustomerIn.model_json_schema()["properties"]
    assert properties["password"]["minLength"] == 8
    assert properties["market"]["pattern"] == "^[A-Za-z]{2}$"
    email = re.compile(EMAIL_PATTERN)
    assert email.match("fan@example.com") and email.match(" fan@mi.com ")
    assert not any(email.match(bad) for bad in ("fan", "fan@mi", "a b@mi.com", "a@b@mi.com"))
    # Documented, not enforced here: the service answers these with its own 422.
    CustomerIn.model_validate({"email": "fan", "password": "short", "market": "!!"})


def test_a_card_number_is_twelve_to_nineteen_digits_spaced_or_dashed() -> None:
    card = re.compile(CARD_PATTERN)
    assert card.match("4242424242424242") and card.match("4242 4242-4242 4242")
    assert not any(card.match(bad) for bad in ("42424242424", "4242x4242424242", "4" * 20))


# -- routes --------------------------------------------------------------------------------


async def test_a_405_names_every_method_of_its_path() -> None:
    table = [
        Endpoint("POST", "/queue", answer, "Join", "t"),
        Endpoint("GET", "/queue", answer, "Status", "t"),
        Endpoint("POST", "/buy", Bare(), "Buy", "t"),
    ]
    app = Starlette(routes=list(routes(table)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        refused = await client.delete("/queue")
        assert refused.status_code == 405
        assert set(refused.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
        assert (await client.post("/queue")).text == "POST"
        assert (await client.get("/queue")).text == "GET"
        assert (await client.head("/queue")).status_code == 200
        assert (await client.post("/buy")).text == "bare"
        assert (await client.get("/buy")).headers["allow"] == "POST"
