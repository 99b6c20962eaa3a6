"""The OpenAPI 3.1 document, made from the endpoint table and the pydantic models.

Each operation lists every status the server may answer it with: its successes, the refusals
particular to it, and those its shape implies (a token: 401, and 403 for one not let in; a body:
400, 413, 415, 422; a path or query parameter: 422 for a control character in it, refused by
the edge before any handler runs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import flashsale
from flashsale.http.edge import C0_RANGE
from flashsale.http.endpoints import Endpoint, Header
from flashsale.http.problems import PROBLEM_CONTENT_TYPE

_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `type` is a stable identifier of the refusal.",
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "With validation-error: each field refused, and why.",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        },
    },
    "required": ["type", "title", "status"],
}
# A path segment: anything but a control character (422) or a slash (another route).
_PATH_SEGMENT = {"type": "string", "pattern": f"^[^/{C0_RANGE}]+$"}
_SECONDS = {"type": "integer", "minimum": 0}
# Headers every answer of a status carries (problems.py sets them).
_PROBLEM_HEADERS: dict[int, tuple[Header, ...]] = {
    401: (Header("WWW-Authenticate", "How to authenticate: a bearer token.", required=True),),
    429: (Header("Retry-After", "Whole seconds until a retry may succeed.", _SECONDS, True),),
    503: (Header("Retry-After", "Whole seconds until a retry may succeed.", _SECONDS, True),),
}
# A customer route refuses a staff token with 403, as an operator's route a customer's.
_IMPLIED_BY_AUTH = {
    "none": (),
    "customer": (401, 403),
    "admin": (401, 403),
    "staff": (401, 403),
}
_IMPLIED_BY_BODY = (400, 413, 415, 422)


# Documents made in this process, by what they say: pydantic's schemas for a hundred-odd models
# cost most of a second, and an app is made many times over in one process by the tests.
_MADE: dict[str, bytes] = {}


def openapi_json(endpoints: list[Endpoint]) -> bytes:
    """``openapi_document`` as JSON, made once per process for the same endpoints."""
    key = repr(
        [
            (e.method, e.path, e.operation_id, e.summary, e.tag, e.status, e.body,
             e.body_optional, e.response, e.also, e.auth, e.roles, e.problems, e.query,
             e.headers, e.response_headers, e.media_type, e.event)
            for e in endpoints
        ]
    )  # fmt: skip
    made = _MADE.get(key)
    if made is None:
        made = _MADE[key] = orjson.dumps(openapi_document(endpoints))
    return made


def openapi_document(endpoints: list[Endpoint]) -> dict[str, Any]:
    # Inputs are documented as validated, outputs as serialized: the two can differ.
    keyed: set[tuple[type[BaseModel], JsonSchemaMode]] = set()
    for e in endpoints:
        if e.body is not None:
            keyed.add((e.body, "validation"))
        if e.response is not None:
            keyed.add((e.response, "serialization"))
    refs, defs = models_json_schema(
        sorted(keyed, key=lambda pair: (pair[0].__name__, pair[1])),
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = _PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation: dict[str, Any] = {
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
            "operationId": endpoint.operation_id,
            "responses": _responses(endpoint, refs),
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": _PATH_SEGMENT}
            for name in _path_params(endpoint.path)
        ]
        if endpoint.query is not None:
            parameters += query_parameters(endpoint.query)
        parameters += [_header_parameter(header) for header in endpoint.headers]
        if parameters:
            operation["parameters"] = parameters
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": not endpoint.body_optional,
                "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
            }
        if endpoint.auth != "none":
            operation["security"] = _security(endpoint)
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "flashsale",
            "version": flashsale.__version__,
            "description": "Flash sales where no unit is sold twice and every 201 is stored.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "customerToken": {"type": "http", "scheme": "bearer"},
                "adminToken": {"type": "http", "scheme": "bearer"},
                "staffToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff session (POST /api/v1/staff-sessions). Each"
                    " operation names the roles it accepts; none named: any staff member.",
                },
            },
        },
    }


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One query parameter per field of the model, as the model validates it."""
    schema = model.model_json_schema(mode="validation")
    assert "$defs" not in schema, f"{model.__name__}: a query parameter is a plain value"
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        value = {k: v for k, v in _not_null(field).items() if k not in ("title", "description")}
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": value,
        }
        if "description" in field:
            parameter["description"] = field["description"]
        parameters.append(parameter)
    return parameters


def _not_null(field: Mapping[str, Any]) -> dict[str, Any]:
    # An optional parameter is one left out: a query string has no null to send.
    variants = field.get("anyOf")
    if variants is None:
        return dict(field)
    kept = [v for v in variants if v != {"type": "null"}]
    rest = {k: v for k, v in field.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _header_parameter(header: Header) -> dict[str, Any]:
    return {
        "name": header.name,
        "in": "header",
        "required": header.required,
        "description": header.description,
        "schema": dict(header.schema),
    }


def _headers_object(headers: Iterable[Header]) -> dict[str, Any]:
    return {
        h.name: {"description": h.description, "required": h.required, "schema": dict(h.schema)}
        for h in headers
    }


def _event_schema(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    # OpenAPI 3.1 has no word for a stream's items (3.2's itemSchema); read as its tools read
    # it, the schema of an event stream describes each event, parsed into its fields.
    return {
        "type": "object",
        "description": f"Each event of the stream: a `{name}` event whose data is JSON.",
        "properties": {
            "event": {"const": name},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": dict(data),
            },
        },
        "required": ["event", "data"],
    }


def _security(endpoint: Endpoint) -> list[dict[str, list[str]]]:
    """Who may call: OpenAPI 3.1 lets a bearer scheme name the roles it needs."""
    staff = {"staffToken": list(endpoint.accepted_roles)}
    if endpoint.auth == "admin":
        return [{"adminToken": []}, staff]
    if endpoint.auth == "staff":
        return [staff]
    return [{f"{endpoint.auth}Token": []}]


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def refusals(endpoint: Endpoint) -> list[int]:
    """Every status the endpoint may refuse a request with."""
    found = {*endpoint.problems, *_IMPLIED_BY_AUTH[endpoint.auth]}
    if endpoint.body is not None:
        found.update(_IMPLIED_BY_BODY)
    if endpoint.query is not None or "{" in endpoint.path:
        found.add(422)
    return sorted(found)


def _responses(endpoint: Endpoint, refs: Any) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": endpoint.summary}
    if endpoint.response is not None:
        schema = refs[(endpoint.response, "serialization")]
        if endpoint.event is not None:
            schema = _event_schema(endpoint.event, schema)
        ok["content"] = {endpoint.media_type: {"schema": schema}}
    elif endpoint.media_type != "application/json":
        ok["content"] = {endpoint.media_type: {"schema": {"type": "string"}}}
    if endpoint.response_headers:
        ok["headers"] = _headers_object(endpoint.response_headers)
    responses: dict[str, Any] = {str(s): ok for s in sorted({endpoint.status, *endpoint.also})}
    problem = {
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    }
    for status in refusals(endpoint):
        answer: dict[str, Any] = {"description": HTTPStatus(status).phrase, **problem}
        if status in _PROBLEM_HEADERS:
            answer["headers"] = _headers_object(_PROBLEM_HEADERS[status])
        responses[str(status)] = answer
    return responses
