"""QR codes drawn into pages as inline SVG (segno): the POS receipt's address, a pickup's code.

Always a full QR code, never a Micro QR (segno picks one for short data such as six digits,
and phone cameras and most counter scanners do not read them). The SVG carries no style
attribute (the Content-Security-Policy allows none) and a white background with segno's quiet
zone, so it scans on a dark page and prints as it shows. The page names it for screen readers
(``role="img"`` and an ``aria-label`` in its own language around it).
"""

from __future__ import annotations

import segno
from markupsafe import Markup

SCALE = 4  # CSS pixels a module: a six-digit code is 116 px wide, a receipt's address 180 px
CSS_CLASS = "qr"


def qr_code(text: str) -> segno.QRCode:
    return segno.make_qr(text)


def qr_svg(text: str) -> Markup:
    """``text`` as an inline ``<svg>`` element, safe to place in a template as it is."""
    svg = qr_code(text).svg_inline(scale=SCALE, light="#fff", dark="#000", svgclass=CSS_CLASS)
    # Segno writes every character of it; ``text`` is only encoded in the path, never echoed.
    return Markup(svg)
