"""The media store's contract, passed by every adapter: memory, a local folder, and S3 through
boto3 against moto's S3 server (a real HTTP endpoint, as MinIO or AWS would be).

Bytes come back as they went in with their content type; a key names one file until it is put
again or deleted; a missing key, or one that is no media key, is simply absent; URLs are the
shop's /media/ addresses.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.platform.media.local import LocalMediaStore
from flashsale.platform.media.memory import MemoryMediaStore
from flashsale.platform.media.port import MediaObject, MediaStore

ACCESS_KEY = "AKIAFLASHSALETEST000"
SECRET_KEY = "moto-accepts-any-secret-but-this-one-is-long"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free port, for the module (starting it takes a second)."""
    moto_server = pytest.importorskip("moto.server")
    # Port 0: the system picks a free one, and the server says which.
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_store(endpoint: str, bucket: str, prefix: str = "") -> MediaStore:
    """An S3 media store on a new bucket of that server."""
    from flashsale.platform.media.s3 import S3MediaStore

    store = S3MediaStore(
        bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        prefix=prefix,
    )
    store._client.create_bucket(Bucket=bucket)
    return store


@pytest.fixture(params=["memory", "local", "s3"])
async def media(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MediaStore]:
    if request.param == "memory":
        yield MemoryMediaStore()
    elif request.param == "local":
        yield LocalMediaStore(tmp_path / "media")
    else:
        endpoint: str = request.getfixturevalue("s3_endpoint")
        bucket = f"media-{uuid.uuid4().hex}"  # moto's buckets outlive a test: one each
        yield await asyncio.to_thread(s3_store, endpoint, bucket)


async def test_a_file_comes_back_as_it_was_put(media: MediaStore) -> None:
    data = bytes(range(256)) * 40
    await media.put("products/prod_1/img_1.png", data, "image/png")
    assert await media.get("products/prod_1/img_1.png") == MediaObject(data, "image/png")
    assert media.url("products/prod_1/img_1.png") == "/media/products/prod_1/img_1.png"


async def test_a_key_is_replaced_by_a_new_put_and_gone_after_a_delete(media: MediaStore) -> None:
    await media.put("a/b.webp", b"first", "image/webp")
    await media.put("a/b.webp", b"second", "image/jpeg")
    await media.put("a/c.webp", b"other", "image/webp")
    assert await media.get("a/b.webp") == MediaObject(b"second", "image/jpeg")
    await media.delete("a/b.webp")
    assert await media.get("a/b.webp") is None
    assert await media.get("a/c.webp") == MediaObject(b"other", "image/webp")
    await media.delete("a/b.webp")  # again: nothing to do, no error
    await media.delete("never/was.png")


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "a/../../b.png", "/abs.png", ".hidden.png", "a//b.png", "a b.png", ""]
)
async def test_a_key_that_is_no_media_key_names_nothing(media: MediaStore, key: str) -> None:
    assert await media.get(key) is None
    await media.delete(key)
    with pytest.raises(InvalidInput, match="not a media key"):
        await media.put(key, b"x", "image/png")
    with pytest.raises(InvalidInput, match="not a media key"):
        media.url(key)


async def test_missing_files_are_absent(media: MediaStore) -> None:
    assert await media.get("products/none.png") is None
    assert await media.get("products") is None


async def test_the_local_folder_keeps_each_file_whole_and_its_type_beside_it(
    tmp_path: Path,
) -> None:
    media = LocalMediaStore(tmp_path / "media")
    await asyncio.gather(
        *(media.put("p/x.png", bytes([n]) * 100_000, "image/png") for n in range(8))
    )
    found = await media.get("p/x.png")
    # Whichever write came last, the file is one of them whole, never a mix.
    assert found is not None and len(set(found.data)) == 1 and len(found.data) == 100_000
    assert sorted(p.name for p in (tmp_path / "media" / "p").iterdir()) == [
        ".x.png.content-type",
        "x.png",
    ]


async def test_the_bucket_keeps_the_shops_files_under_its_prefix(s3_endpoint: str) -> None:
    bucket = f"media-{uuid.uuid4().hex}"
    media = await asyncio.to_thread(s3_store, s3_endpoint, bucket, "shop-1/")
    await media.put("products/p/i.png", b"png", "image/png")
    from flashsale.platform.media.s3 import S3MediaStore

    assert isinstance(media, S3MediaStore)
    listed = media._client.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["shop-1/products/p/i.png"]
    head = media._client.head_object(Bucket=bucket, Key="shop-1/products/p/i.png")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
