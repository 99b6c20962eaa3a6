"""The HTTP API (JSON, RFC 9457 problems, OpenAPI) served by one ASGI app factory."""
