"""Products' pictures over HTTP, on every record (memory, SQLite, PostgreSQL): the operator
uploads one (multipart), the shop serves it at a stable address with a year's caching and its
checked type, lists and reorders them, removes one; the storefront shows it with its size and
alt text. Every bad upload is a problem+json refusal, never a 500."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import MEMORY_DATABASE_URL, Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from flashsale.platform.sql.engine import create_engine
from tests.conftest import fast_settings
from tests.contract import test_media_store_contract as media_contract
from tests.contract.conftest import empty_tables
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, sqlite_database
from tests.e2e.test_web_pages import console_log_in, csrf_of
from tests.unit.catalog.images_fixtures import SVG, image_bytes

postgres_url = backends.postgres_url
s3_endpoint = media_contract.s3_endpoint
PROBLEM = "application/problem+json"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def shop(
    request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Shop]:
    """The shop on each record; its pictures in memory, beside the SQLite file (the default),
    or, with a database server, in a folder of the test's own."""
    overrides: dict[str, Any] = {}
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        engine = create_engine(url)
        try:
            await empty_tables(engine)
        finally:
            await engine.dispose()
        overrides["media_dir"] = str(tmp_path / "pg-media")
    elif request.param == "sqlite":
        url = await sqlite_database(tmp_path)
    else:
        url = MEMORY_DATABASE_URL
    shop = await build_shop(fast_settings(database_url=url, **overrides), clock=clock)
    try:
        await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
        yield shop
    finally:
        await shop.aclose()


@pytest.fixture
async def client(shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(shop)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            yield client


async def _product(client: httpx.AsyncClient) -> str:
    added = await client.post(
        "/api/v1/admin/products",
        headers=ADMIN,
        json={
            "name": "Mi 6",
            "variants": [
                {"sku": "MI6-BLK", "attributes": {"colour": "black"}, "prices": {"IN": "29999"}},
                {"sku": "MI6-BLU", "attributes": {"colour": "blue"}, "prices": {"IN": "31999"}},
            ],
        },
    )
    assert added.status_code == 201, added.text
    product_id: str = added.json()["id"]
    return product_id


def _upload(
    client: httpx.AsyncClient, product_id: str, data: bytes, name: str = "photo.png", **fields: str
) -> Any:
    return client.post(
        f"/api/v1/admin/products/{product_id}/images",
        headers=ADMIN,
        files={"file": (name, data, "image/png")},
        data=fields,
    )


async def test_an_uploaded_picture_is_served_cached_and_listed(
    client: httpx.AsyncClient, shop: Shop, tmp_path: Path
) -> None:
    product_id = await _product(client)
    jpeg = image_bytes("JPEG", 64, 48)
    # The name says PNG; the bytes are a JPEG, and a JPEG is what is stored and served.
    done = await _upload(client, product_id, jpeg, alt="Mi 6 in blue", sku="MI6-BLU")
    assert done.status_code == 201, done.text
    image = done.json()
    assert {k: image[k] for k in ("sku", "content_type", "alt", "width", "height", "size")} == {
        "sku": "MI6-BLU",
        "content_type": "image/jpeg",
        "alt": "Mi 6 in blue",
        "width": 64,
        "height": 48,
        "size": len(jpeg),
    }
    assert image["url"] == f"/media/products/{product_id}/{image['id']}.jpg"

    served = await client.get(image["url"])
    assert served.status_code == 200 and served.content == jpeg
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    again = await client.get(image["url"], headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert (await client.head(image["url"])).status_code == 200
    missing = await client.get(f"/media/products/{product_id}/img_none.png")
    assert missing.status_code == 404
    assert (await client.get("/media/../flashsale.db")).status_code == 404

    listed = await client.get(f"/api/v1/products/{product_id}/images")
    assert listed.status_code == 200 and listed.json()["images"] == [image]
    if shop.settings.database_url.startswith("sqlite"):  # the default: beside the database
        assert (tmp_path / "media" / image["url"].removeprefix("/media/")).read_bytes() == jpeg


async def test_bad_uploads_are_refused_as_problems(client: httpx.AsyncClient) -> None:
    product_id = await _product(client)
    png = image_bytes()
    refusals = [
        (await _upload(client, product_id, SVG, "logo.svg"), 422, "SVG images are refused"),
        (await _upload(client, product_id, b"\x89PNG\r\n\x1a\n<script>", "x.png"), 422, "whole"),
        (await _upload(client, product_id, png[: len(png) // 2]), 422, "not a whole PNG"),
        (await _upload(client, product_id, b"just text"), 422, "not a PNG, JPEG or WebP"),
        (await _upload(client, product_id, png, sku="MI6-RED"), 422, "no variant 'MI6-RED'"),
        (await _upload(client, "prod_none", png), 404, "no product"),
        (await _upload(client, product_id, b"\0" * (5 * 1024 * 1024 + 70_000)), 413, "5 MB"),
        (
            await client.post(
                f"/api/v1/admin/products/{product_id}/images", headers=ADMIN, json={"file": "x"}
            ),
            415,
            "multipart/form-data",
        ),
        (
            await client.post(
                f"/api/v1/admin/products/{product_id}/images",
                headers=ADMIN,
                files={"picture": ("a.png", png, "image/png")},
            ),
            422,
            "one file in 'file'",
        ),
        (
            await client.post(
                f"/api/v1/admin/products/{product_id}/images",
                headers=ADMIN,
                files=[
                    ("file", ("a.png", png, "image/png")),
                    ("file", ("b.png", png, "image/png")),
                ],
            ),
            422,
            "the form",
        ),
        (
            await client.post(
                f"/api/v1/admin/products/{product_id}/images",
                headers={**ADMIN, "Content-Type": "multipart/form-data; boundary=xyz"},
                content=b"--xyz\r\nnonsense",
            ),
            422,
            "",
        ),
        (
            await client.post(
                f"/api/v1/admin/products/{product_id}/images",
                files={"file": ("a.png", png, "image/png")},
            ),
            401,
            "",
        ),
    ]
    for answer, status, says in refusals:
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == PROBLEM
        assert says in answer.json()["detail"]
    listed = await client.get(f"/api/v1/products/{product_id}/images")
    assert listed.json()["images"] == []


async def test_pictures_are_reordered_and_removed(client: httpx.AsyncClient) -> None:
    product_id = await _product(client)
    ids = [(await _upload(client, product_id, image_bytes())).json()["id"] for _ in range(3)]
    order = f"/api/v1/admin/products/{product_id}/images/order"
    moved = await client.put(order, headers=ADMIN, json={"images": ids[::-1]})
    assert moved.status_code == 200, moved.text
    assert [i["id"] for i in moved.json()["images"]] == ids[::-1]
    assert [i["position"] for i in moved.json()["images"]] == [0, 1, 2]
    short = await client.put(order, headers=ADMIN, json={"images": ids[:2]})
    assert short.status_code == 422 and "each of the product's 3 pictures" in short.text
    assert (await client.put(order, json={"images": ids})).status_code == 401

    gone = f"/api/v1/admin/products/{product_id}/images/{ids[1]}"
    url = (await client.get(f"/api/v1/products/{product_id}/images")).json()["images"][1]["url"]
    assert (await client.delete(gone, headers=ADMIN)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(gone, headers=ADMIN)).status_code == 404
    listed = (await client.get(f"/api/v1/products/{product_id}/images")).json()["images"]
    assert [(i["id"], i["position"]) for i in listed] == [(ids[2], 0), (ids[0], 1)]


IMG = re.compile(r"<img [^>]*>")


async def test_the_storefront_shows_the_picture_or_a_plain_frame(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    product_id = await _product(client)
    page = await client.get("/shop/IN")
    assert "data-picture-none" in page.text and not IMG.search(page.text)
    image = (await _upload(client, product_id, image_bytes("PNG", 80, 60), alt="")).json()
    page = await client.get("/shop/IN")
    tags = IMG.findall(page.text)
    assert len(tags) == 1, tags
    for part in (
        f'src="{image["url"]}"',
        'alt="Mi 6"',  # no alt text given: the product's name
        'width="80"',
        'height="60"',
        'loading="lazy"',
    ):
        assert part in tags[0]
    shown = await client.get(f"/shop/IN/products/{product_id}?sku=MI6-BLU")
    assert f'src="{image["url"]}"' in shown.text


async def test_the_console_uploads_moves_and_removes_pictures(client: httpx.AsyncClient) -> None:
    product_id = await _product(client)
    await console_log_in(client)
    edit = f"/console/products/{product_id}"
    page = await client.get(edit)
    assert 'enctype="multipart/form-data"' in page.text
    for alt in ("Front", "Back"):
        done = await client.post(
            f"{edit}/pictures",
            data={"csrf_token": csrf_of(page), "alt": alt, "sku": "MI6-BLK"},
            files={"file": ("p.webp", image_bytes("WEBP"), "image/webp")},
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"{edit}?saved=picture#pictures"
    page = await client.get(f"{edit}?saved=picture")
    assert "The picture is added." in page.text
    front, back = [
        i["id"]
        for i in (await client.get(f"/api/v1/products/{product_id}/images")).json()["images"]
    ]
    moved = await client.post(
        f"{edit}/pictures/{back}/move", data={"csrf_token": csrf_of(page), "direction": "up"}
    )
    assert moved.status_code == 303
    listed = (await client.get(f"/api/v1/products/{product_id}/images")).json()["images"]
    assert [i["alt"] for i in listed] == ["Back", "Front"]

    refused = await client.post(
        f"{edit}/pictures",
        data={"csrf_token": csrf_of(page)},
        files={"file": ("evil.png", SVG, "image/png")},
    )
    assert refused.status_code == 422 and "SVG images are refused" in refused.text
    forged = await client.post(f"{edit}/pictures/{front}/remove", data={"csrf_token": "00" * 32})
    assert forged.status_code == 403
    removed = await client.post(
        f"{edit}/pictures/{front}/remove", data={"csrf_token": csrf_of(page)}
    )
    assert removed.status_code == 303
    listed = (await client.get(f"/api/v1/products/{product_id}/images")).json()["images"]
    assert [i["id"] for i in listed] == [back]


async def test_pictures_kept_in_a_bucket_are_served_by_the_shop(
    s3_endpoint: str, clock: ManualClock
) -> None:
    """With FLASHSALE_MEDIA_S3_* set, the files go to the bucket (moto's S3 server here) and
    the shop serves them from there at the same addresses."""
    bucket = f"shop-{uuid.uuid4().hex}"
    media_contract.s3_store(s3_endpoint, bucket)  # creates the bucket
    settings = fast_settings(
        media_s3_bucket=bucket,
        media_s3_endpoint=s3_endpoint,
        media_s3_access_key_id=media_contract.ACCESS_KEY,
        media_s3_secret_access_key=media_contract.SECRET_KEY,
        media_s3_prefix="shop",
    )
    shop = await build_shop(settings, clock=clock)
    try:
        await shop.catalog.add_markets([Market("IN", "India", "INR", "en_IN")])
        app = create_app(shop)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                product_id = await _product(client)
                webp = image_bytes("WEBP", 50, 40)
                image = (await _upload(client, product_id, webp)).json()
                served = await client.get(image["url"])
                assert served.content == webp
                assert served.headers["content-type"] == "image/webp"
                s3 = boto3.client(
                    "s3",
                    endpoint_url=s3_endpoint,
                    region_name="us-east-1",
                    aws_access_key_id=media_contract.ACCESS_KEY,
                    aws_secret_access_key=media_contract.SECRET_KEY,
                )
                key = "shop/" + image["url"].removeprefix("/media/")
                assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == webp
                removed = f"/api/v1/admin/products/{product_id}/images/{image['id']}"
                assert (await client.delete(removed, headers=ADMIN)).status_code == 204
                assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []
    finally:
        await shop.aclose()
