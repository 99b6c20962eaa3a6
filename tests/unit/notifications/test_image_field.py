"""An image in a mail (a pickup code's QR): a PNG data: URI and nothing else, shown in the
HTML part only, and the code it draws is the code the mail gives."""

from __future__ import annotations

import pytest
import segno

from flashsale.kernel.errors import InvalidInput
from flashsale.notifications.service.rendering import MailRenderer
from tests.qr_reading import expected_modules, png_modules
from tests.unit.notifications.examples import message

IMG = '<img src="'


@pytest.fixture(scope="module")
def renderer() -> MailRenderer:
    return MailRenderer.packaged()


@pytest.mark.parametrize("locale", ["en_IN", "zh_CN"])
def test_the_ready_mail_shows_the_codes_qr_in_its_html(renderer: MailRenderer, locale: str) -> None:
    mail = renderer.render(message("pickup_ready", locale))
    assert mail.html is not None
    at = mail.html.index(IMG) + len(IMG)
    src = mail.html[at : mail.html.index('"', at)]
    assert png_modules(src, scale=4) == expected_modules("042137")
    assert "data:" not in mail.text and "042137" in mail.text


@pytest.mark.parametrize(
    "value",
    [
        "https://shop.example/qr.png",  # fetched when opened: tells the shop who read it
        "javascript:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        'data:image/png;base64,AAAA" onerror="alert(1)',
        "data:image/png;base64,",
        "data:image/png;base64," + "A" * 20_000,
        42,
    ],
)
def test_anything_but_a_small_png_data_uri_is_refused(
    renderer: MailRenderer, value: object
) -> None:
    with pytest.raises(InvalidInput, match="code_qr"):
        renderer.render(message("pickup_ready", code_qr=value))


def test_a_real_qr_png_is_taken() -> None:
    uri = segno.make_qr("999999").png_data_uri(scale=4)
    mail = MailRenderer.packaged().render(message("pickup_ready", code_qr=uri))
    assert mail.html is not None and uri in mail.html
