"""``MediaStore`` in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2…) through boto3.

boto3 is synchronous: each call runs in a thread (its clients are thread-safe), so a slow
upload never holds the event loop. Installed with the ``s3`` extra; imported only when a
bucket is configured.
"""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from flashsale.kernel.errors import InvalidInput
from flashsale.platform.media.port import MEDIA_PATH, MediaObject, check_key

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3MediaStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        prefix: str = "",
        base_url: str = MEDIA_PATH,
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._base_url = base_url.rstrip("/")
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                # Path-style addressing works with every S3-compatible server (MinIO needs
                # DNS set up for virtual hosts); AWS still accepts it.
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        name = self._prefix + check_key(key)
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self._bucket,
            Key=name,
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )

    async def get(self, key: str) -> MediaObject | None:
        try:
            name = self._prefix + check_key(key)
        except InvalidInput:
            return None
        return await asyncio.to_thread(self._read, name)

    async def delete(self, key: str) -> None:
        try:
            name = self._prefix + check_key(key)
        except InvalidInput:
            return
        await asyncio.to_thread(self._client.delete_object, Bucket=self._bucket, Key=name)

    def url(self, key: str) -> str:
        return f"{self._base_url}/{check_key(key)}"

    def _read(self, name: str) -> MediaObject | None:
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=name)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise
        body = found["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return MediaObject(data, str(found.get("ContentType") or "application/octet-stream"))
