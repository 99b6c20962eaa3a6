"""The media store: bytes under a key, with their content type, and the URL they are shown at.

A key names its file for good (a new upload gets a new key), so whatever serves it may let
browsers and CDNs keep it for a year. Keys are relative paths of safe characters: a key can
never climb out of the local folder, nor name another bucket's object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from flashsale.kernel.errors import InvalidInput

# The shop's own address of every stored file: GET /media/<key> (web/media.py serves it).
MEDIA_PATH = "/media"
# Segments of letters, digits, '_', '-' and '.', not starting with a dot, joined by '/'.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}){0,7}")


@dataclass(frozen=True, slots=True)
class MediaObject:
    data: bytes
    content_type: str


def check_key(key: str) -> str:
    """The key, when it may name a stored file; InvalidInput otherwise."""
    if not _KEY.fullmatch(key):
        raise InvalidInput(f"{key[:80]!r} is not a media key")
    return key


class MediaStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (replacing what was there)."""
        ...

    async def get(self, key: str) -> MediaObject | None:
        """The file under ``key``; None when there is none (or the key is no media key)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; nothing happens when there is none."""
        ...

    def url(self, key: str) -> str:
        """Where a browser loads the file from."""
        ...
