"""Read back the modules of a QR code as a page draws it (segno's SVG, web/qr.py) or a mail
carries it (segno's PNG as a data: URI, stores/service/pickup_mail.py), to compare with the code
segno makes of the text it should encode: no QR reader is installed, and the same modules are
the same code."""

from __future__ import annotations

import base64
import re
import struct
import zlib

import segno

BORDER = 4  # segno's quiet zone, in modules
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_DARK_PATH = re.compile(r'<path\b[^>]*\bclass="qrline"[^>]*\bd="([^"]+)"')
_STEP = re.compile(r"([Mmh])(-?\d+(?:\.\d+)?)(?: (-?\d+(?:\.\d+)?))?")

Modules = frozenset[tuple[int, int]]


def svg_after(html: str, marker: str) -> str:
    """The first ``<svg>`` element after ``marker`` (an attribute of the element around it)."""
    at = html.index(marker)
    found = _SVG.search(html, at)
    assert found is not None, f"no <svg> after {marker}"
    return found.group(0)


def drawn_modules(svg: str) -> Modules:
    """The dark modules (row, column) of segno's path: ``M`` moves to a row's middle, ``h``
    draws a run of dark modules, ``m`` moves by so much."""
    (path,) = _DARK_PATH.findall(svg)
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for command, first, second in _STEP.findall(path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second or 0)
        else:
            run = int(float(first))
            row = int(y - 0.5) - BORDER
            dark.update((row, int(x) - BORDER + i) for i in range(run))
            x += run
    return frozenset(dark)


def png_modules(data_uri: str, scale: int) -> Modules:
    """The dark modules of a PNG data: URI as segno writes it: greyscale, one bit a pixel,
    rows unfiltered, ``scale`` pixels a module, a quiet zone of ``BORDER`` modules."""
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix), data_uri[:40]
    png = base64.b64decode(data_uri.removeprefix(prefix), validate=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks, idat = 8, {}, b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        chunks[kind] = body
        idat += body if kind == b"IDAT" else b""
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (1, 0), "not one-bit greyscale"
    stride = (width + 7) // 8
    raw = zlib.decompress(idat)
    rows: list[bytes] = []
    previous = bytes(stride)
    for r in range(height):
        line = raw[r * (stride + 1) : (r + 1) * (stride + 1)]
        previous = _unfiltered(line[0], line[1:], previous)
        rows.append(previous)

    def dark(x: int, y: int) -> bool:  # black is 0
        return not rows[y][x // 8] >> (7 - x % 8) & 1

    size = width // scale - 2 * BORDER
    return frozenset(
        (r, c)
        for r in range(size)
        for c in range(size)
        if dark((c + BORDER) * scale + scale // 2, (r + BORDER) * scale + scale // 2)
    )


def _unfiltered(kind: int, line: bytes, above: bytes) -> bytes:
    """PNG's row filters (RFC 2083 §6), one byte a pixel's step at one bit a pixel."""
    out = bytearray(len(line))
    for i, byte in enumerate(line):
        a, b = out[i - 1] if i else 0, above[i]
        c = above[i - 1] if i else 0
        if kind == 0:
            guess = 0
        elif kind == 1:
            guess = a
        elif kind == 2:
            guess = b
        elif kind == 3:
            guess = (a + b) // 2
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            guess = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[i] = (byte + guess) & 0xFF
    return bytes(out)


def expected_modules(text: str) -> Modules:
    """The dark modules of the full QR code segno makes of ``text``."""
    matrix = segno.make_qr(text).matrix
    return frozenset(
        (row, column) for row, line in enumerate(matrix) for column, bit in enumerate(line) if bit
    )
