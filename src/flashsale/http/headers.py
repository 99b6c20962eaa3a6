"""Security headers on every page: what the browser may load, frame, sniff and send on.

The pages load scripts and styles from /static only (htmx, uPlot, site.js: no inline script,
style element or style attribute, and htmx is told not to inject its own style or evaluate
code: base.html), so the Content-Security-Policy allows 'self' and nothing inline. Frames of
ours on another site are refused twice (``frame-ancestors`` and the older X-Frame-Options).
HSTS only in production, which is served over HTTPS: on a developer's plain-HTTP port it would
pin the browser to HTTPS for that host.

The JSON API (``/api/``) and the operator's JSON (liveness, metrics, the OpenAPI document) are
skipped: browsers do not render them, and wrapping their responses cost the liveness endpoint
15 % of its throughput (benchmarks/purchase_path.py's trivial endpoint).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the favicon is an empty data: URL
        "connect-src 'self'",  # htmx requests and the EventSource streams
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
API_PREFIX = "/api/"
NOT_PAGES = frozenset({"/healthz", "/metrics", "/openapi.json"})


def page_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", STRICT_TRANSPORT_SECURITY.encode()))
    return headers


class SecurityHeaders:
    """ASGI middleware: the page headers on every HTTP response outside ``/api/``."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self._headers = page_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (path := scope["path"]) in NOT_PAGES:
            await self.app(scope, receive, send)
            return
        if path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self._headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
