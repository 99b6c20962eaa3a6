"""``MediaStore`` in a Python process: for the memory record (``memory://``), where nothing
outlives the process either."""

from __future__ import annotations

from flashsale.platform.media.port import MEDIA_PATH, MediaObject, check_key


class MemoryMediaStore:
    def __init__(self, base_url: str = MEDIA_PATH) -> None:
        self._files: dict[str, MediaObject] = {}
        self._base_url = base_url.rstrip("/")

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self._files[check_key(key)] = MediaObject(bytes(data), content_type)

    async def get(self, key: str) -> MediaObject | None:
        return self._files.get(key)

    async def delete(self, key: str) -> None:
        self._files.pop(key, None)

    def url(self, key: str) -> str:
        return f"{self._base_url}/{check_key(key)}"
