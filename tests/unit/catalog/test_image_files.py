"""An upload is what its bytes are: PNG, JPEG and WebP read whole, with their size in pixels;
SVG, GIF, anything else, a file whose name or first bytes lie, a truncated file, one too big
on disk or in pixels: refused with a sentence that says why."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from flashsale.catalog.image_files import inspect_image, sniff
from flashsale.catalog.image_model import MAX_IMAGE_SIDE
from flashsale.kernel.errors import InvalidInput
from tests.unit.catalog.images_fixtures import SVG, image_bytes


@pytest.mark.parametrize(
    ("kind", "content_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_png_jpeg_and_webp_are_read_with_their_size(
    kind: str, content_type: str, extension: str
) -> None:
    facts = inspect_image(image_bytes(kind, 64, 48))
    assert (facts.kind.content_type, facts.kind.extension) == (content_type, extension)
    assert (facts.width, facts.height) == (64, 48)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (SVG, "SVG images are refused"),
        (b"\n  <svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "SVG"),
        (b"\xef\xbb\xbf<!DOCTYPE svg><svg/>", "SVG"),
        (image_bytes("GIF"), "GIF images are refused"),
        (b"%PDF-1.7\n...", "not a PNG, JPEG or WebP image"),
        (b"<html><script>alert(1)</script></html>", "not a PNG, JPEG or WebP image"),
    ],
)
def test_other_files_are_refused_by_what_they_are(data: bytes, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        sniff(data)
    with pytest.raises(InvalidInput, match=says):
        inspect_image(data)


def test_a_file_whose_first_bytes_promise_an_image_it_is_not_is_refused() -> None:
    # PNG's signature in front of a script: the magic bytes alone would let it through.
    with pytest.raises(InvalidInput, match="not a whole PNG image"):
        inspect_image(b"\x89PNG\r\n\x1a\n<script>alert(1)</script>")
    # A JPEG's bytes behind a PNG's signature: decoded as what it claims, it is not one.
    with pytest.raises(InvalidInput, match="not a whole PNG image"):
        inspect_image(b"\x89PNG\r\n\x1a\n" + image_bytes("JPEG")[8:])


def test_a_truncated_image_is_refused() -> None:
    whole = image_bytes("PNG", 300, 200)
    with pytest.raises(InvalidInput, match="not a whole PNG image"):
        inspect_image(whole[: len(whole) // 2])


def test_bounds_on_bytes_and_pixels() -> None:
    noise = io.BytesIO()  # noise does not compress: some 30 kB
    Image.frombytes("RGB", (100, 100), os.urandom(30_000)).save(noise, "PNG")
    assert inspect_image(noise.getvalue()).width == 100
    with pytest.raises(InvalidInput, match="at most 10,000"):
        inspect_image(noise.getvalue(), max_bytes=10_000)
    with pytest.raises(InvalidInput, match="empty"):
        inspect_image(b"")
    # A small file that unpacks into a huge image: refused from its header, never decoded.
    wide = io.BytesIO()
    Image.new("1", (MAX_IMAGE_SIDE + 1, 1)).save(wide, "PNG")
    with pytest.raises(InvalidInput, match=f"{MAX_IMAGE_SIDE + 1}×1 pixels"):
        inspect_image(wide.getvalue())
    bomb = io.BytesIO()
    Image.new("1", (6000, 6000)).save(bomb, "PNG")  # 36 million pixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(InvalidInput, match="25 million in all"):
        inspect_image(bomb.getvalue())
