"""Signing a delivery as Standard Webhooks asks, with the ``standardwebhooks`` package:
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""

from __future__ import annotations

import functools
import math
from datetime import datetime

from standardwebhooks import Webhook

CONTENT_TYPE = "application/json"


@functools.lru_cache(maxsize=1024)
def _signer(secret: str) -> Webhook:
    # Decoding the key once per subscription rather than once per delivery.
    return Webhook(secret)


def signed_headers(secret: str, message_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The headers of one attempt: its id (the event's), its time, and their signature."""
    return {
        "content-type": CONTENT_TYPE,
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": _signer(secret).sign(message_id, at, body),
    }
