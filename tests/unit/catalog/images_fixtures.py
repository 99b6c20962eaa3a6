"""Image files for the pictures' tests, made with Pillow: real PNG, JPEG and WebP bytes."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(kind: str = "PNG", width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 138, 61)).save(out, kind)
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
