"""The QR codes pages draw (web/qr.py): the modules of the text asked for, a full QR code even
for six digits, and markup that neither echoes the text nor needs an inline style."""

from __future__ import annotations

import re

from flashsale.web.qr import SCALE, qr_svg
from tests.qr_reading import BORDER, drawn_modules, expected_modules

RECEIPT = "https://shop.example/pos/receipts/pos_0190f3a1b2c3d4e5f6a7b8c9d0e1f2a3"


def test_the_svg_draws_the_code_of_its_text() -> None:
    for text in ("042137", RECEIPT):
        drawn = drawn_modules(qr_svg(text))
        assert drawn == expected_modules(text)
        assert drawn != expected_modules(text.replace("7", "8"))


def test_six_digits_make_a_full_qr_code_not_a_micro_one() -> None:
    svg = qr_svg("042137")
    # Version 1 is 21 modules a side (a Micro QR at most 17), plus the quiet zone.
    side = (21 + 2 * BORDER) * SCALE
    assert f'width="{side}" height="{side}"' in svg
    finder = {(r, c) for r in range(7) for c in range(7) if r in (0, 6) or c in (0, 6)}
    # Three finder patterns (a Micro QR has one): the top right one too.
    assert {(r, c + 14) for r, c in finder} <= drawn_modules(svg)


def test_the_markup_is_the_code_alone() -> None:
    svg = qr_svg('"><script>alert(1)</script>')
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "script" not in svg and "alert" not in svg
    assert "style=" not in svg  # the Content-Security-Policy allows no inline style
    assert re.search(r'<path fill="#fff"', svg)  # its own white ground: it scans on any page
    assert svg.__html__() == svg  # Markup: placed in a template as it is
