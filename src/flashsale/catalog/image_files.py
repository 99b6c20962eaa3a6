"""What an uploaded file really is: its type from its first bytes (never its name or the
client's word), and its size in pixels from Pillow, which decodes it whole so that a truncated
or corrupt file is refused before any shopper's browser meets it.

PNG, JPEG and WebP only. SVG is refused: it is a document that can carry scripts, and a
sanitiser would have to be trusted with every browser's SVG parser. GIF is refused too (product
photos are not animations).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from flashsale.catalog.image_model import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE
from flashsale.kernel.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class ImageKind:
    content_type: str
    extension: str
    pillow_format: str


PNG = ImageKind("image/png", "png", "PNG")
JPEG = ImageKind("image/jpeg", "jpg", "JPEG")
WEBP = ImageKind("image/webp", "webp", "WEBP")
KINDS = (PNG, JPEG, WEBP)
ACCEPTED = "PNG, JPEG or WebP"


@dataclass(frozen=True, slots=True)
class ImageFacts:
    kind: ImageKind
    width: int
    height: int


def sniff(data: bytes) -> ImageKind:
    """The file's type by its magic bytes; InvalidInput for anything but PNG, JPEG and WebP."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head:
        raise InvalidInput(f"SVG images are refused (they can carry scripts): send {ACCEPTED}")
    if data.startswith((b"GIF87a", b"GIF89a")):
        raise InvalidInput(f"GIF images are refused: send {ACCEPTED}")
    raise InvalidInput(f"the file is not a {ACCEPTED} image")


def inspect_image(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> ImageFacts:
    """The image's type and size; InvalidInput for a file too large, of another type, whose
    content is not the image its first bytes promise, or that does not decode whole.

    CPU-bound (it decodes the image): call it in a thread."""
    if len(data) > max_bytes:
        raise InvalidInput(f"the image is {len(data):,} bytes; at most {max_bytes:,}")
    if not data:
        raise InvalidInput("the file is empty")
    kind = sniff(data)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own bound: any warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as image:
                width, height = image.size
                _check_size(width, height)
                image.load()  # decodes it all: a truncated or corrupt file raises here
    except InvalidInput:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise InvalidInput(f"the file is not a whole {kind.extension.upper()} image") from exc
    return ImageFacts(kind, width, height)


def _check_size(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise InvalidInput("the image has no pixels")
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise InvalidInput(
            f"the image is {width}×{height} pixels; at most {MAX_IMAGE_SIDE} on a side and"
            f" {MAX_IMAGE_PIXELS // 1_000_000} million in all"
        )
