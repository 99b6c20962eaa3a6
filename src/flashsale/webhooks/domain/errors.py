"""The webhooks' own refusals; each code is a problem type of the API (/problems/<code>)."""

from __future__ import annotations

from flashsale.kernel.errors import InvalidInput


class WebhookUrlNotAllowed(InvalidInput):
    """A URL the shop will not POST to: not https in production, or naming (or resolving to)
    an address inside the shop's own network."""

    code = "webhook-url-not-allowed"
