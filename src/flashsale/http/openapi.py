"""The OpenAPI 3.1 document, made from the endpoint table and the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import flashsale
from flashsale.http.endpoints import Endpoint
from flashsale.http.problems import PROBLEM_CONTENT_TYPE

_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `type` is a stable identifier of the refusal.",
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}


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
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _path_params(endpoint.path)
        ]
        parameters += [
            {"name": header, "in": "header", "required": False, "schema": {"type": "string"}}
            for header in endpoint.headers
        ]
        if endpoint.path.endswith("/products") and endpoint.method == "GET":
            parameters.append(
                {"name": "market", "in": "query", "required": False, "schema": {"type": "string"}}
            )
        if parameters:
            operation["parameters"] = parameters
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": not endpoint.body_optional,
                "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
            }
        if endpoint.auth != "none":
            operation["security"] = [{f"{endpoint.auth}Token": []}]
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
            },
        },
    }


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _responses(endpoint: Endpoint, refs: Any) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": endpoint.summary}
    if endpoint.response is not None:
        schema = refs[(endpoint.response, "serialization")]
        ok["content"] = {endpoint.media_type: {"schema": schema}}
    elif endpoint.media_type != "application/json":
        ok["content"] = {endpoint.media_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(endpoint.status): ok}
    problem = {
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    }
    for status in sorted({*endpoint.problems, 400} if endpoint.body else set(endpoint.problems)):
        responses[str(status)] = {"description": "Problem", **problem}
    return responses
