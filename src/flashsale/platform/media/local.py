"""``MediaStore`` in a folder of the shop's own disk: the default, beside the SQLite database.

Each file is written to a temporary name and renamed into place, so a reader never sees half a
file; its content type is kept beside it in a dot-file, a name no key can take (a key's
segments never start with a dot). The disk work runs in a thread: an image is megabytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

from flashsale.kernel.errors import InvalidInput
from flashsale.platform.media.port import MEDIA_PATH, MediaObject, check_key


class LocalMediaStore:
    def __init__(self, root: Path, base_url: str = MEDIA_PATH) -> None:
        self._root = root
        self._base_url = base_url.rstrip("/")

    @property
    def root(self) -> Path:
        return self._root

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(check_key(key))
        await asyncio.to_thread(self._write, path, data, content_type)

    async def get(self, key: str) -> MediaObject | None:
        try:
            path = self._path(check_key(key))
        except InvalidInput:
            return None
        return await asyncio.to_thread(self._read, path)

    async def delete(self, key: str) -> None:
        try:
            path = self._path(check_key(key))
        except InvalidInput:
            return
        await asyncio.to_thread(self._remove, path)

    def url(self, key: str) -> str:
        return f"{self._base_url}/{check_key(key)}"

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*key.split("/"))

    @staticmethod
    def _type_file(path: Path) -> Path:
        return path.with_name(f".{path.name}.content-type")

    def _write(self, path: Path, data: bytes, content_type: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._replace(self._type_file(path), content_type.encode())
        self._replace(path, data)

    @staticmethod
    def _replace(path: Path, data: bytes) -> None:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            os.fchmod(handle, 0o644)  # mkstemp's 0600 would hide it from a web server in front
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def _read(self, path: Path) -> MediaObject | None:
        try:
            data = path.read_bytes()
            content_type = self._type_file(path).read_text().strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        return MediaObject(data, content_type or "application/octet-stream")

    def _remove(self, path: Path) -> None:
        for each in (path, self._type_file(path)):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                each.unlink()
