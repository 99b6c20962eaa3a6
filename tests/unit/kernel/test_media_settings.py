"""Where products' pictures are kept: a bucket when one is named (both keys needed, and in
production a real secret over https), else a folder (by default beside the SQLite file), else
memory with the memory record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from flashsale.bootstrap import open_media
from flashsale.config import Settings
from flashsale.platform.media.local import LocalMediaStore
from flashsale.platform.media.memory import MemoryMediaStore
from flashsale.platform.media.s3 import S3MediaStore

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "admin_token": "t0k3n-0f-the-adm1n-c0ns0",
    "secret_key": "k3y-that-signs-every-session-0k!",
    "payments": "sandbox",
    "public_url": "https://shop.mi.example",
}
BUCKET: dict[str, Any] = {
    "media_s3_bucket": "shop-media",
    "media_s3_endpoint": "https://s3.internal.example:9000",
    "media_s3_access_key_id": "AKIAFLASHSALE0000001",
    "media_s3_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def test_a_bucket_needs_both_keys_and_keys_need_a_bucket() -> None:
    with pytest.raises(ValidationError, match="needs FLASHSALE_MEDIA_S3_ACCESS_KEY_ID"):
        Settings(**{**BUCKET, "media_s3_secret_access_key": "  "})
    with pytest.raises(ValidationError, match="need FLASHSALE_MEDIA_S3_BUCKET"):
        Settings(media_s3_access_key_id="AKIA")
    with pytest.raises(ValidationError, match="need FLASHSALE_MEDIA_S3_BUCKET"):
        Settings(media_s3_endpoint="http://127.0.0.1:9000")
    with pytest.raises(ValidationError, match="media_s3_bucket"):
        Settings(**{**BUCKET, "media_s3_bucket": "Not_A_Bucket"})
    # Development takes a test server's weak secret over plain HTTP.
    Settings(
        **{
            **BUCKET,
            "media_s3_endpoint": "http://127.0.0.1:9000",
            "media_s3_secret_access_key": "minioadmin",
        }
    )


def test_production_refuses_a_weak_secret_or_plain_http() -> None:
    assert Settings(**PRODUCTION, **BUCKET).media_s3_bucket == "shop-media"
    for weak in ("minioadmin", "k" * 40, "0123456789" * 3):
        with pytest.raises(ValidationError, match="SECRET_ACCESS_KEY is too weak"):
            Settings(**PRODUCTION, **{**BUCKET, "media_s3_secret_access_key": weak})
    with pytest.raises(ValidationError, match="https:// FLASHSALE_MEDIA_S3_ENDPOINT"):
        Settings(**PRODUCTION, **{**BUCKET, "media_s3_endpoint": "http://minio:9000"})
    # AWS itself (no endpoint) is https.
    Settings(**PRODUCTION, **{**BUCKET, "media_s3_endpoint": None})


def test_the_store_follows_the_settings(tmp_path: Path) -> None:
    assert isinstance(open_media(Settings(database_url="memory://")), MemoryMediaStore)
    beside = open_media(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/shop.db"))
    assert isinstance(beside, LocalMediaStore) and beside.root == tmp_path / "media"
    chosen = open_media(Settings(database_url="memory://", media_dir=str(tmp_path / "pics")))
    assert isinstance(chosen, LocalMediaStore) and chosen.root == tmp_path / "pics"
    server = open_media(Settings(database_url="postgresql+asyncpg://db/shop"))
    assert isinstance(server, LocalMediaStore) and server.root == Path("media")
    assert isinstance(open_media(Settings(**BUCKET)), S3MediaStore)
