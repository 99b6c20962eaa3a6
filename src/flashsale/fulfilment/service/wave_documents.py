"""A wave on paper: the pick list (one line per SKU) and the packing slips (a page per order,
with the address and a barcode of the fulfilment order id).

fpdf2 draws Code 39 and Interleaved 2 of 5, not Code 128: the slips carry Code 39, which
holds capitals, digits and ``-``. An id (``ful_0190…``, lower-case hex) is printed upper-cased
with ``-`` for ``_`` (``barcode_text``); ``fulfilment_order_of_barcode`` reads it back.

The core PDF fonts hold Latin-1 only: accents beyond it are dropped, other characters (a
Chinese address) print as ``?`` until a CJK font is shipped with the product.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING

from flashsale.fulfilment.domain.waves import Wave
from flashsale.orders.domain.shipping import ShippingAddress

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "Helvetica"


def barcode_text(fulfilment_order_id: str) -> str:
    return fulfilment_order_id.upper().replace("_", "-")


def fulfilment_order_of_barcode(scanned: str) -> str:
    return scanned.lower().replace("-", "_")


def _latin1(text: str) -> str:
    """Accents the core fonts lack dropped (Karnātaka → Karnataka), the rest as ``?``."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).encode("latin-1", "replace").decode("latin-1")


def _document(title: str) -> FPDF:
    # Imported here: fpdf2 (and the font tools it brings) cost every process half a second at
    # start-up, and only a wave's documents need it.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("flashsale")
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def pick_list_pdf(wave: Wave, location_name: str, cut_at_local: str) -> bytes:
    """One page (or more) per wave: what to take from the shelves, SKU by SKU."""
    pdf = _document(f"Pick list {wave.id}")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    title = f"Pick list - {wave.location} {location_name}"
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, f"Wave {wave.id}", new_x="LMARGIN", new_y="NEXT")
    summary = f"Cut {cut_at_local} by {wave.cut_by}: {len(wave.orders)} orders, {wave.units} units"
    pdf.cell(0, 6, _latin1(summary), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    for heading, width in (("SKU", 110), ("Units", 35), ("Orders", 35)):
        pdf.cell(width, 8, heading, border=1)
    pdf.ln()
    pdf.set_font(FONT, "", 11)
    for line in wave.lines:
        pdf.cell(110, 8, _latin1(line.sku), border=1)
        pdf.cell(35, 8, str(line.quantity), border=1, align="R")
        pdf.cell(35, 8, str(line.orders), border=1, align="R")
        pdf.ln()
    return bytes(pdf.output())


def packing_slips_pdf(wave: Wave, addresses: Mapping[str, ShippingAddress | None]) -> bytes:
    """A page per fulfilment order: where it goes, what is in it, its barcode. ``addresses``
    by order id (the fulfilment order's source)."""
    pdf = _document(f"Packing slips {wave.id}")
    for fo in wave.orders:
        pdf.add_page()
        pdf.set_font(FONT, "B", 14)
        pdf.cell(0, 9, f"Packing slip - {wave.location}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.cell(0, 6, f"Fulfilment order {fo.id}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 6, f"Order {fo.source_id}   Wave {wave.id}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 7, "Ship to", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 11)
        address = addresses.get(fo.source_id)
        lines = address.lines() if address is not None else ["(no shipping address)"]
        for line in lines:
            pdf.cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 7, _latin1(f"{fo.quantity} x {fo.sku}"), new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y() + 4
        code = barcode_text(fo.id)
        pdf.code39(f"*{code}*", x=pdf.l_margin, y=y, w=0.25, h=18)
        pdf.set_xy(pdf.l_margin, y + 20)
        pdf.set_font("Courier", "", 9)
        pdf.cell(0, 5, code, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
