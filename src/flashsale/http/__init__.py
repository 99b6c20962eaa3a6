"""The JSON API (RFC 9457 problems, OpenAPI), one module per domain, and the server that runs it."""
