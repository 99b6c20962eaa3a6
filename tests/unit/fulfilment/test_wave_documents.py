"""Pick lists and packing slips in every script the shop sells in: Chinese, Devanagari, Greek,
Spanish and Indonesian addresses print as they were given (TrueType fonts found on the system
or named by ``pdf_fonts``), and without any TrueType font the Latin-1 core fonts still print."""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.waves import Wave
from flashsale.fulfilment.service.wave_documents import (
    FONTS,
    Fonts,
    fonts_of,
    packing_slips_pdf,
    pick_list_pdf,
)
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.shipping import ShippingAddress
from tests.unit.conftest import OPENS
from tests.unit.fulfilment.conftest import Warehouse, address

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
BEIJING = ShippingAddress(
    "王小明",
    "北京市朝阳区建国路88号",
    "北京",
    "100022",
    "+86 10 8888 0000",
    country="CN",
    region="CN-BJ",
)
ADDRESSES = {
    "ord_cn": BEIJING,
    "ord_in": ShippingAddress(
        "आशा राव", "१२ एमजी रोड", "बेंगलुरु", "560001", "+91 80 1234 5678", country="IN"
    ),
    "ord_gr": ShippingAddress(
        "Γιώργος Παπαδόπουλος", "Οδός Ερμού 12", "Αθήνα", "10563", "+30 21 0000 0000"
    ),
    "ord_es": ShippingAddress(
        "José Núñez", "Calle de Alcalá 42", "Madrid", "28014", "+34 91 000 0000", country="ES"
    ),
    "ord_id": ShippingAddress(
        "Budi Santoso", "Jl. Jend. Sudirman No. 5", "Jakarta", "10220", "+62 21 555 0000"
    ),
}


def fulfilment_order(source_id: str, sku: str = "MIBAND4-BLK") -> FulfilmentOrder:
    return FulfilmentOrder(
        f"ful_{source_id}", SourceKind.ORDER, source_id, 0, "sale_1", "CN", sku, 1, None,
        FulfilmentStatus.PICKING, "DC-BJ", 1, "", AT, AT,
    )  # fmt: skip


def wave_of(*source_ids: str) -> Wave:
    return Wave("wav_1", "DC-BJ", AT, "system:waves", tuple(map(fulfilment_order, source_ids)))


def text_of(document: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]


def fonts_in(document: bytes) -> set[str]:
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(document)).pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"].get_object()
        assert isinstance(fonts, DictionaryObject)
        names = (str(fonts[key].get_object()["/BaseFont"]) for key in fonts)  # type: ignore[index]
        found |= {name.lstrip("/").split("+")[-1] for name in names}  # less the subset's tag
    return found


@pytest.fixture
def system_fonts() -> Fonts:
    """The system's fonts, which must cover Chinese and Devanagari (Debian's
    fonts-droid-fallback and fonts-noto-core, as .ci/run installs them)."""
    fonts = fonts_of()
    if fonts.regular is None or len(fonts.fallbacks) < 2:
        if os.environ.get("FLASHSALE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"no Chinese and Devanagari fonts under {FONTS}")
        pytest.skip(f"no Chinese and Devanagari fonts under {FONTS}")
    return fonts


def test_a_packing_slip_prints_a_chinese_address(system_fonts: Fonts) -> None:
    document = packing_slips_pdf(wave_of("ord_cn"), ADDRESSES, system_fonts)
    (slip,) = text_of(document)
    assert "王小明" in slip
    assert "北京市朝阳区建国路88号" in slip
    assert "100022 北京" in slip  # a fallback's line leaves the next in the right font
    assert "+86 10 8888 0000" in slip
    # Only the glyphs used are embedded: the 4 MB CJK font adds a few kilobytes.
    assert len(document) < 100_000, len(document)


def test_poppler_reads_the_chinese_address_too(system_fonts: Fonts) -> None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("poppler-utils is not installed")
    document = packing_slips_pdf(wave_of("ord_cn"), ADDRESSES, system_fonts)
    read = subprocess.run(
        [pdftotext, "-", "-"], input=document, capture_output=True, check=True, timeout=30
    )
    assert "北京市朝阳区建国路88号" in read.stdout.decode()


def test_every_script_the_shop_sells_in_prints(system_fonts: Fonts) -> None:
    wave = wave_of(*ADDRESSES)
    slips = text_of(packing_slips_pdf(wave, ADDRESSES, system_fonts))
    assert len(slips) == len(ADDRESSES)
    by_order = dict(zip(ADDRESSES, slips, strict=True))
    assert "Οδός Ερμού 12" in by_order["ord_gr"] and "10563 Αθήνα" in by_order["ord_gr"]
    assert "José Núñez" in by_order["ord_es"] and "Calle de Alcalá 42" in by_order["ord_es"]
    assert "Jl. Jend. Sudirman No. 5" in by_order["ord_id"]
    # Devanagari is shaped, so its text is read back as glyph runs: the letters are there.
    assert "आशा" in by_order["ord_in"] and "बेंगलुरु" in by_order["ord_in"].replace(" ", "")


def test_the_pick_list_prints_a_chinese_location_name(system_fonts: Fonts) -> None:
    wave = wave_of("ord_cn", "ord_es")
    (page,) = text_of(
        pick_list_pdf(wave, "北京亦庄仓", "2026-12-07 16:00 Asia/Shanghai", system_fonts)
    )
    assert "Pick list - DC-BJ 北京亦庄仓" in page
    assert "MIBAND4-BLK" in page


def test_without_truetype_fonts_the_core_fonts_print_latin1(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        fonts = fonts_of("", tmp_path)
    assert fonts == Fonts()
    assert "print Latin-1 only" in caplog.text
    slips = text_of(packing_slips_pdf(wave_of("ord_cn", "ord_es"), ADDRESSES, fonts))
    assert "?????????88?" in slips[0]  # no glyph for them in Helvetica
    assert "Jose Nunez" in slips[1]  # accents beyond Latin-1's dropped, ASCII kept
    assert fonts_in(packing_slips_pdf(wave_of("ord_es"), ADDRESSES, fonts)) == {
        "Helvetica",
        "Helvetica-Bold",
        "Courier",
    }


def test_the_fonts_are_found_under_the_usual_folders(tmp_path: Path) -> None:
    for path in (
        "truetype/dejavu/DejaVuSans.ttf",
        "truetype/noto/NotoSansDevanagari-Regular.ttf",
        "opentype/noto/NotoSansCJK-Regular.ttc",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"")
    fonts = fonts_of("", tmp_path)
    dejavu = str(tmp_path / "truetype/dejavu/DejaVuSans.ttf")
    assert (fonts.regular, fonts.bold) == (dejavu, dejavu)  # no bold file: the regular
    assert fonts.fallbacks == (
        (str(tmp_path / "opentype/noto/NotoSansCJK-Regular.ttc"), 2),  # its Chinese face
        (str(tmp_path / "truetype/noto/NotoSansDevanagari-Regular.ttf"), 0),
    )


def test_the_pdf_fonts_setting_names_the_fonts(
    system_fonts: Fonts, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    noto = FONTS / "truetype/noto/NotoSans-Regular.ttf"
    if not noto.is_file():
        pytest.skip("fonts-noto-core is not installed")
    assert system_fonts.fallbacks
    cjk = system_fonts.fallbacks[0][0]
    missing = str(tmp_path / "gone.ttf")
    with caplog.at_level(logging.WARNING):
        fonts = fonts_of(os.pathsep.join([missing, str(noto), cjk]))
    assert f"no font file {missing}" in caplog.text
    assert fonts == Fonts(str(noto), str(noto), ((cjk, 0),))
    document = packing_slips_pdf(wave_of("ord_cn"), ADDRESSES, fonts)
    assert "北京市朝阳区建国路88号" in text_of(document)[0]
    assert {"NotoSans", "DroidSansFallback", "Courier"} == fonts_in(document)
    assert not any("DejaVu" in name for name in fonts_in(document))


async def test_the_shops_waves_print_with_the_configured_fonts(
    warehouse: Warehouse, system_fonts: Fonts
) -> None:
    await warehouse.receive("DC-BLR", 1)
    world = warehouse.world
    buyer = await world.customer()
    world.at(OPENS)
    order = (await warehouse.shop.purchasing.purchase(buyer, world.sale.id, 1)).order
    beijing = replace(address("IN-KA"), line1="北京市朝阳区建国路88号")
    await warehouse.shop.shipping.set_address(buyer, order.id, beijing)
    await warehouse.shop.orders.pay(buyer, order.id, CARD_SUCCEEDS)
    await warehouse.allocate()
    waves = warehouse.shop.fulfilment_ops.waves
    wave = await waves.cut("DC-BLR", None, "staff:1")
    (slip,) = text_of(await waves.packing_slips(wave.id))
    assert "北京市朝阳区建国路88号" in slip
    noto = FONTS / "truetype/noto/NotoSans-Regular.ttf"
    if noto.is_file():
        waves.print_with(str(noto))
        assert "NotoSans" in fonts_in(await waves.pick_list(wave.id))
