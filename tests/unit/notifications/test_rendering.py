"""Messages rendered into mails: every template in every locale, the fallback to English, the
data checked and formatted for the customer, and the HTML part escaped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money
from flashsale.notifications.domain.catalogue import TEMPLATES
from flashsale.notifications.domain.message import Message
from flashsale.notifications.service.rendering import MailRenderer, TemplateError
from tests.unit.notifications.examples import EXAMPLE_DATA, PAY_BY, message

TRANSLATED = ("en", "zh_CN")


@pytest.fixture(scope="module")
def renderer() -> MailRenderer:
    return MailRenderer.packaged()


@pytest.mark.parametrize("locale", TRANSLATED)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_in_every_translated_locale(
    renderer: MailRenderer, template: str, locale: str
) -> None:
    mail = renderer.render(message(template, locale))
    assert mail.subject and "\n" not in mail.subject
    # The data shows: the order's id, or for a password reset (no order) its link.
    assert "ord_1" in mail.subject + mail.text or "/password/reset?token=" in mail.text
    assert mail.text.endswith("\n") and not mail.text.endswith("\n\n")
    assert mail.html is not None
    assert mail.html.startswith("<!doctype html>")
    assert f'lang="{locale.replace("_", "-")}"' in mail.html


def test_every_template_is_written_in_english_and_chinese(renderer: MailRenderer) -> None:
    assert sorted(EXAMPLE_DATA) == sorted(TEMPLATES)
    for template in TEMPLATES:
        english = renderer.render(message(template, "en"))
        chinese = renderer.render(message(template, "zh_CN"))
        assert english.text != chinese.text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.subject), chinese.subject


def test_an_indian_customer_reads_english_with_indian_amounts(renderer: MailRenderer) -> None:
    mail = renderer.render(message("order_confirmation", "en_IN"))
    assert "Thank you for your order" in mail.text
    assert "₹1,23,456.00" in mail.text  # lakh grouping, as India writes it
    assert "12 May 2015, 4:45:00" in mail.text  # day first, as India writes it
    assert "AM UTC" in mail.text


def test_a_locale_without_templates_reads_english_formatted_as_english(
    renderer: MailRenderer,
) -> None:
    brazilian = renderer.render(message("refund_issued", "pt_BR"))
    english = renderer.render(message("refund_issued", "en"))
    assert brazilian == english
    assert "$18.00" in brazilian.subject


def test_a_chinese_customer_reads_chinese_with_chinese_dates(renderer: MailRenderer) -> None:
    mail = renderer.render(message("payment_reminder", "zh_CN"))
    assert "2015年5月12日" in mail.subject
    assert "₹999.00" in mail.text
    # Taiwan has no template of its own: English, formatted as English rather than mixed.
    taiwan = renderer.render(message("payment_reminder", "zh_TW"))
    assert taiwan == renderer.render(message("payment_reminder", "en"))


def test_a_locale_babel_lacks_still_gets_english(renderer: MailRenderer) -> None:
    assert renderer.render(message(locale="xx_YY")) == renderer.render(message(locale="en"))
    assert renderer.render(message(locale="en-IN")) == renderer.render(message(locale="en_IN"))


def test_amounts_are_never_rounded(renderer: MailRenderer) -> None:
    mail = renderer.render(message("refund_issued", "en", amount=Money(Decimal("0.305"), "USD")))
    assert "$0.305" in mail.text


def test_an_unknown_template_is_refused_naming_the_known_ones(renderer: MailRenderer) -> None:
    with pytest.raises(InvalidInput, match=r"no mail template 'welcome' \(known: order_conf"):
        renderer.render(Message("fan@mi.example", "welcome", "en", {}))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"quantity": None}, "order_confirmation.quantity: None is not a whole number"),
        ({"quantity": True}, "is not a whole number"),
        ({"amount": "999.00"}, "order_confirmation.amount: '999.00' is not Money"),
        ({"pay_by": PAY_BY.replace(tzinfo=None)}, "is not a timezone-aware datetime"),
        ({"order_url": "javascript:alert(1)"}, "is not an http\\(s\\) URL"),
        ({"product": "x" * 1001}, "is not text of at most 1000 characters"),
        ({"coupon": "FREE"}, "order_confirmation data: unknown coupon"),
    ],
)
def test_data_of_the_wrong_kind_is_refused(
    renderer: MailRenderer, data: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        renderer.render(
            Message(
                "fan@mi.example",
                "order_confirmation",
                "en",
                EXAMPLE_DATA["order_confirmation"] | data,
            )
        )


def test_missing_data_is_refused_by_name(renderer: MailRenderer) -> None:
    data = dict(EXAMPLE_DATA["payment_reminder"])
    del data["pay_url"], data["amount"]
    with pytest.raises(InvalidInput, match="payment_reminder data: missing amount, pay_url"):
        renderer.render(Message("fan@mi.example", "payment_reminder", "en", data))


@pytest.mark.parametrize(
    "address", ["", "fan", "fan@", "@mi.example", "a@b@c", "fan@mi.example\r\nBcc: x@y.z", "a b@c"]
)
def test_an_address_that_is_not_one_mailbox_is_refused(
    renderer: MailRenderer, address: str
) -> None:
    with pytest.raises(InvalidInput, match="is not an email address"):
        renderer.render(message(to=address))


@pytest.mark.parametrize("locale", ["", "english please", "e", "en_IN\n"])
def test_a_locale_that_is_no_locale_is_refused(renderer: MailRenderer, locale: str) -> None:
    with pytest.raises(InvalidInput, match="is not a locale"):
        renderer.render(message(locale=locale))


def test_data_is_escaped_in_the_html_part_only(renderer: MailRenderer) -> None:
    product = '<script>alert("x")</script> & "Band"'
    url = 'https://shop.example/orders/ord_1?a=1&b="><img src=x>'
    mail = renderer.render(message(product=product, order_url=url))
    assert product in mail.text and url in mail.text
    assert product in mail.subject
    assert mail.html is not None
    assert "<script>" not in mail.html and "<img" not in mail.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Band&#34;" in mail.html
    assert 'href="https://shop.example/orders/ord_1?a=1&amp;b=&#34;&gt;&lt;img src=x&gt;"' in (
        mail.html
    )


def test_the_subject_is_one_line_whatever_the_data(renderer: MailRenderer) -> None:
    mail = renderer.render(message(product="Mi Band\r\nBcc: everyone@mi.example"))
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert "Mi Band Bcc: everyone@mi.example" in mail.subject


ENGLISH = {
    "en/order_confirmation.subject": "s",
    "en/order_confirmation.txt": "t",
    "en/payment_reminder.subject": "s",
    "en/payment_reminder.txt": "t",
    "en/refund_issued.subject": "s",
    "en/refund_issued.txt": "t",
    "en/service_desk_reply.subject": "s",
    "en/service_desk_reply.txt": "t",
    "en/password_reset.subject": "s",
    "en/password_reset.txt": "t",
    "en/order_shipped.subject": "s",
    "en/order_shipped.txt": "t",
    "en/order_delivered.subject": "s",
    "en/order_delivered.txt": "t",
    "en/pickup_ready.subject": "s",
    "en/pickup_ready.txt": "t",
}


def test_the_renderer_needs_every_template_in_english() -> None:
    MailRenderer(ENGLISH)  # the HTML part is optional
    incomplete = dict(ENGLISH)
    del incomplete["en/refund_issued.txt"]
    with pytest.raises(TemplateError, match=r"en/refund_issued\.txt is missing"):
        MailRenderer(incomplete)


def test_the_renderer_refuses_files_outside_the_catalogue() -> None:
    with pytest.raises(TemplateError, match=r"ru/welcome\.txt is no part of a template"):
        MailRenderer(ENGLISH | {"ru/welcome.txt": "t"})
    with pytest.raises(TemplateError, match="ru/refund_issued has no subject"):
        MailRenderer(ENGLISH | {"ru/refund_issued.txt": "t"})


def test_a_mail_without_an_html_part_has_none() -> None:
    mail = MailRenderer(ENGLISH).render(message("refund_issued", "en"))
    assert (mail.subject, mail.text, mail.html) == ("s", "t\n", None)
