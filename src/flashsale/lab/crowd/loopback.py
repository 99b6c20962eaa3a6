"""The crowd sends load to this machine only."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_LOOPBACK_NAMES = frozenset({"localhost"})


def require_loopback(base_url: str) -> str:
    """Return the URL without a trailing slash, or raise ValueError when it leaves this host."""
    host = urlsplit(base_url).hostname or ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host in _LOOPBACK_NAMES
    if not local:
        raise ValueError(f"the crowd only shops at 127.0.0.1, not at {host or base_url!r}")
    return base_url.rstrip("/")
