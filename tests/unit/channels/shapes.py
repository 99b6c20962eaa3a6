"""The partners' documents as JSON Schemas, written from their published descriptions, so a
test can say a feed is in the partner's shape without trusting the code that made it.

Amazon: JSON_LISTINGS_FEED (schema version 2.0: header sellerId/version/issueLocale; messages
of messageId, sku, operationType, productType, patches), the patch of
``/attributes/fulfillment_availability``. Flipkart: the body of
``POST /sellers/listings/v3/update/inventory``: ``{sku: {product_id, locations: [{id,
inventory}]}}``.
"""

from __future__ import annotations

from typing import Any

# jsonschema comes with schemathesis (the API conformance test's); it ships no type hints.
import jsonschema  # type: ignore[import-untyped]

AMAZON_LISTINGS_FEED: dict[str, Any] = {
    "type": "object",
    "required": ["header", "messages"],
    "additionalProperties": False,
    "properties": {
        "header": {
            "type": "object",
            "required": ["sellerId", "version", "issueLocale"],
            "additionalProperties": False,
            "properties": {
                "sellerId": {"type": "string", "minLength": 1},
                "version": {"const": "2.0"},
                "issueLocale": {"type": "string", "pattern": "^[a-z]{2}_[A-Z]{2}$"},
            },
        },
        "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 25_000,
            "items": {
                "type": "object",
                "required": ["messageId", "sku", "operationType", "productType", "patches"],
                "additionalProperties": False,
                "properties": {
                    "messageId": {"type": "integer", "minimum": 1},
                    "sku": {"type": "string", "minLength": 1, "maxLength": 40},
                    "operationType": {"enum": ["UPDATE", "PARTIAL_UPDATE", "DELETE", "PATCH"]},
                    "productType": {"type": "string", "minLength": 1},
                    "patches": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["op", "path", "value"],
                            "properties": {
                                "op": {"enum": ["add", "replace", "delete"]},
                                "path": {"const": "/attributes/fulfillment_availability"},
                                "value": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["fulfillment_channel_code", "quantity"],
                                        "properties": {
                                            "fulfillment_channel_code": {"const": "DEFAULT"},
                                            "quantity": {"type": "integer", "minimum": 0},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

FLIPKART_INVENTORY_UPDATE: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 50,
    "additionalProperties": {
        "type": "object",
        "required": ["product_id", "locations"],
        "additionalProperties": False,
        "properties": {
            "product_id": {"type": "string", "minLength": 1},
            "locations": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["id", "inventory"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "minLength": 1},
                        "inventory": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
}


def validate(document: object, schema: dict[str, Any]) -> None:
    """Raises jsonschema's ValidationError when the document is not of the shape."""
    jsonschema.validate(document, schema)
