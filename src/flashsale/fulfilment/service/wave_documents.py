"""A wave on paper: the pick list (one line per SKU) and the packing slips (a page per order,
with the address and a barcode of the fulfilment order id).

fpdf2 draws Code 39 and Interleaved 2 of 5, not Code 128: the slips carry Code 39, which
holds capitals, digits and ``-``. An id (``ful_0190…``, lower-case hex) is printed upper-cased
with ``-`` for ``_`` (``barcode_text``); ``fulfilment_order_of_barcode`` reads it back.

**Scripts.** Addresses come in every script the shop sells in (Chinese, Devanagari, Greek,
Latin with accents). The documents print with TrueType fonts: the ``pdf_fonts`` setting's, else
the first found of the usual system fonts (``TEXT_FONTS``, then one per script in
``FALLBACK_FONTS``: Debian's ``fonts-dejavu-core``, ``fonts-noto-core``,
``fonts-droid-fallback``, ``fonts-noto-cjk``), the first for text and the others where it lacks
a character (fpdf2's fallback fonts). Nothing is downloaded. fpdf2 embeds only the glyphs used
(a subset), so a slip with a Chinese address stays small. With no TrueType font at all the core
PDF fonts are used, with a warning: they hold Latin-1 only, accents beyond it are dropped and
other characters print as ``?``. Lines in a script whose letters join or reorder (Devanagari,
Arabic, Thai) are shaped with HarfBuzz (``uharfbuzz``, a dependency); were it missing, they
would print letter by letter, readable but with the vowel signs misplaced.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flashsale.fulfilment.domain.waves import Wave
from flashsale.orders.domain.shipping import ShippingAddress

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)

CORE_FONT = "Helvetica"
TEXT = "text"  # the family name the TrueType text font is added under
FONTS = Path("/usr/share/fonts")

# (regular, bold) for text, the first found: Latin (with every accent), Greek, Cyrillic.
TEXT_FONTS: tuple[tuple[str, str], ...] = (
    ("truetype/dejavu/DejaVuSans.ttf", "truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("truetype/noto/NotoSans-Regular.ttf", "truetype/noto/NotoSans-Bold.ttf"),
    (
        "truetype/liberation/LiberationSans-Regular.ttf",
        "truetype/liberation/LiberationSans-Bold.ttf",
    ),
)
# Per script the text font lacks, the first found, as (path, index in a collection).
FALLBACK_FONTS: tuple[tuple[tuple[str, int], ...], ...] = (
    (  # Chinese (and Japanese, Korean): Droid first, a twentieth of Noto CJK's size to read
        ("truetype/droid/DroidSansFallbackFull.ttf", 0),
        ("opentype/noto/NotoSansCJK-Regular.ttc", 2),  # 2: Simplified Chinese forms
        ("truetype/wqy/wqy-microhei.ttc", 0),
    ),
    (  # Devanagari (Hindi)
        ("truetype/noto/NotoSansDevanagari-Regular.ttf", 0),
        ("truetype/lohit-devanagari/Lohit-Devanagari.ttf", 0),
    ),
    (("truetype/noto/NotoSansThai-Regular.ttf", 0),),
)


@dataclass(frozen=True, slots=True)
class Fonts:
    """What the documents print with; ``regular`` None: the core fonts."""

    regular: str | None = None
    bold: str | None = None
    fallbacks: tuple[tuple[str, int], ...] = ()


@functools.cache
def fonts_of(configured: str = "", root: Path = FONTS) -> Fonts:
    """The fonts of the ``pdf_fonts`` setting (paths separated by ``os.pathsep``), else those
    found under ``root``; the core fonts, with a warning, when there are none."""
    paths = [p for p in configured.split(os.pathsep) if p.strip()]
    found = [p for p in paths if Path(p).is_file()]
    for missing in sorted(set(paths) - set(found)):
        log.warning("pdf_fonts: no font file %s", missing)
    if found:
        return Fonts(found[0], found[0], tuple((p, 0) for p in found[1:]))
    text = next(((root / r, root / b) for r, b in TEXT_FONTS if (root / r).is_file()), None)
    if text is None:
        log.warning(
            "no TrueType font under %s nor in pdf_fonts: pick lists and packing slips print"
            " Latin-1 only (install fonts-dejavu-core and fonts-droid-fallback)",
            root,
        )
        return Fonts()
    regular, bold = text
    fallbacks = tuple(
        font
        for font in (_first_of(choices, root) for choices in FALLBACK_FONTS)
        if font is not None
    )
    return Fonts(str(regular), str(bold if bold.is_file() else regular), fallbacks)


def _first_of(choices: tuple[tuple[str, int], ...], root: Path) -> tuple[str, int] | None:
    return next(((str(root / p), i) for p, i in choices if (root / p).is_file()), None)


def barcode_text(fulfilment_order_id: str) -> str:
    return fulfilment_order_id.upper().replace("_", "-")


def fulfilment_order_of_barcode(scanned: str) -> str:
    return scanned.lower().replace("-", "_")


def _latin1(text: str) -> str:
    """Accents the core fonts lack dropped (Karnātaka → Karnataka), the rest as ``?``."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).encode("latin-1", "replace").decode("latin-1")


class _Document:
    """An fpdf2 document and the fonts it writes with."""

    def __init__(self, title: str, fonts: Fonts) -> None:
        # Imported here: fpdf2 (and the font tools it brings) cost every process half a second
        # at start-up, and only a wave's documents need it.
        from fpdf import FPDF

        self.pdf: FPDF = FPDF(format="A4")
        self.pdf.set_title(title)
        self.pdf.set_creator("flashsale")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.unicode = fonts.regular is not None
        if fonts.regular is not None and fonts.bold is not None:
            self.pdf.add_font(TEXT, "", fonts.regular)
            self.pdf.add_font(TEXT, "B", fonts.bold)
            names = []
            for n, (path, index) in enumerate(fonts.fallbacks):
                self.pdf.add_font(f"fallback{n}", "", path, collection_font_number=index)
                names.append(f"fallback{n}")
            # Not exact: a bold heading's Chinese prints in the regular CJK font.
            self.pdf.set_fallback_fonts(names, exact_match=False)
        self._shaping = self.unicode and _shaping_available()
        self._shaped = False

    def font(self, style: str, size: float) -> None:
        self.pdf.set_font(TEXT if self.unicode else CORE_FONT, style, size)

    def text(self, text: str) -> str:
        return unicodedata.normalize("NFC", text) if self.unicode else _latin1(text)

    def cell(self, w: float, h: float, text: str, **options: Any) -> None:
        """``FPDF.cell`` of text in any script. fpdf2 (2.8.9) sets a fallback font inside the
        cell's saved graphics state yet believes its own font still set after it: the next
        cell would print with the font the state falls back to (the bold of a heading), glyphs
        of one font looked up in another. Forgetting it makes the next cell set its font.
        Only the lines that need it are shaped (``_needs_shaping``)."""
        if self._shaping and _needs_shaping(text) != self._shaped:
            self._shaped = not self._shaped
            self.pdf.set_text_shaping(self._shaped)
        self.pdf.cell(w, h, self.text(text), **options)
        self.pdf.current_font_is_set_on_page = False

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _needs_shaping(text: str) -> bool:
    """Whether the text holds a script whose letters join or reorder (Devanagari and the other
    Indic scripts, Arabic, Hebrew, Thai...). Only those lines are shaped: shaping every line
    made a 3,500-order wave's slips 2.5 times slower and 60% bigger, for Latin and Chinese
    that print the same without it."""
    return any(0x0590 <= ord(c) <= 0x109F or 0x1780 <= ord(c) <= 0x17FF for c in text)


@functools.cache
def _shaping_available() -> bool:
    return importlib.util.find_spec("uharfbuzz") is not None


def pick_list_pdf(
    wave: Wave, location_name: str, cut_at_local: str, fonts: Fonts | None = None
) -> bytes:
    """One page (or more) per wave: what to take from the shelves, SKU by SKU."""
    doc = _Document(f"Pick list {wave.id}", fonts if fonts is not None else fonts_of())
    pdf = doc.pdf
    pdf.add_page()
    doc.font("B", 16)
    title = f"Pick list - {wave.location} {location_name}"
    doc.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    doc.font("", 10)
    pdf.cell(0, 6, f"Wave {wave.id}", new_x="LMARGIN", new_y="NEXT")
    summary = f"Cut {cut_at_local} by {wave.cut_by}: {len(wave.orders)} orders, {wave.units} units"
    doc.cell(0, 6, summary, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    doc.font("B", 11)
    for heading, width in (("SKU", 110), ("Units", 35), ("Orders", 35)):
        pdf.cell(width, 8, heading, border=1)
    pdf.ln()
    doc.font("", 11)
    for line in wave.lines:
        doc.cell(110, 8, line.sku, border=1)
        pdf.cell(35, 8, str(line.quantity), border=1, align="R")
        pdf.cell(35, 8, str(line.orders), border=1, align="R")
        pdf.ln()
    return doc.output()


def packing_slips_pdf(
    wave: Wave, addresses: Mapping[str, ShippingAddress | None], fonts: Fonts | None = None
) -> bytes:
    """A page per fulfilment order: where it goes, what is in it, its barcode. ``addresses``
    by order id (the fulfilment order's source)."""
    doc = _Document(f"Packing slips {wave.id}", fonts if fonts is not None else fonts_of())
    pdf = doc.pdf
    for fo in wave.orders:
        pdf.add_page()
        doc.font("B", 14)
        pdf.cell(0, 9, f"Packing slip - {wave.location}", new_x="LMARGIN", new_y="NEXT")
        doc.font("", 10)
        pdf.cell(0, 6, f"Fulfilment order {fo.id}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 6, f"Order {fo.source_id}   Wave {wave.id}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        doc.font("B", 11)
        pdf.cell(0, 7, "Ship to", new_x="LMARGIN", new_y="NEXT")
        doc.font("", 11)
        address = addresses.get(fo.source_id)
        lines = address.lines() if address is not None else ["(no shipping address)"]
        for line in lines:
            doc.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        doc.font("B", 11)
        doc.cell(0, 7, f"{fo.quantity} x {fo.sku}", new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + 4
        code = barcode_text(fo.id)
        pdf.code39(f"*{code}*", x=pdf.l_margin, y=y, w=0.25, h=18)
        pdf.set_xy(pdf.l_margin, y + 20)
        pdf.set_font("Courier", "", 9)
        pdf.cell(0, 5, code, new_x="LMARGIN", new_y="NEXT")
    return doc.output()
