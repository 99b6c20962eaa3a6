"""The web pages: the storefront and the operator's console, rendered on the server (Jinja2),
with htmx and Server-Sent Events for the live parts. ``web_routes`` plugs them into the app."""

from flashsale.web.routes import web_routes

__all__ = ["web_routes"]
