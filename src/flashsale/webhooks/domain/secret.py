"""Webhook secrets in the Standard Webhooks format: ``whsec_`` and the key in base64.

The specification asks for keys of 24 to 64 bytes; the shop makes 32 random bytes when the
operator brings none.
"""

from __future__ import annotations

import base64
import binascii
import secrets

PREFIX = "whsec_"
MIN_BYTES = 24
MAX_BYTES = 64
GENERATED_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(GENERATED_BYTES)).decode()


def key_of(secret: str) -> bytes | None:
    """The key a secret names, or None when it is not base64 (with or without the prefix)."""
    encoded = secret.removeprefix(PREFIX)
    if not encoded.isascii():
        return None
    try:
        # Unpadded base64 is common (and what standardwebhooks accepts): pad it here too.
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def secret_problem(secret: str) -> str | None:
    """Why a secret the operator brings is refused; None when it is a good one."""
    key = key_of(secret)
    if key is None:
        return (
            f"a webhook secret is {PREFIX} followed by its key in base64"
            " (Standard Webhooks); leave it out and the shop makes one"
        )
    if len(key) < MIN_BYTES:
        return f"a webhook secret's key needs at least {MIN_BYTES} bytes; this one has {len(key)}"
    if len(key) > MAX_BYTES:
        return f"a webhook secret's key has at most {MAX_BYTES} bytes; this one has {len(key)}"
    return None


def canonical(secret: str) -> str:
    """The secret as stored and shown: prefixed, padded base64 (only for a good secret)."""
    key = key_of(secret)
    assert key is not None
    return PREFIX + base64.b64encode(key).decode()
