"""FLASHSALE_SMTP_URL read into the mail server to connect to."""

from __future__ import annotations

import pytest

from flashsale.kernel.errors import InvalidInput
from flashsale.notifications.adapters.smtp_endpoint import SmtpEndpoint


def test_the_documented_shape() -> None:
    endpoint = SmtpEndpoint.parse(
        "smtp://shop%40mi.example:p%40ss:word@mail.example:587?starttls=1"
    )
    assert endpoint == SmtpEndpoint(
        host="mail.example",
        port=587,
        username="shop@mi.example",
        password="p@ss:word",
        start_tls=True,
    )
    assert "p@ss" not in repr(endpoint)


def test_defaults_per_scheme() -> None:
    plain = SmtpEndpoint.parse("smtp://localhost")
    assert (plain.port, plain.use_tls, plain.start_tls, plain.username) == (25, False, None, None)
    tls = SmtpEndpoint.parse("smtps://mail.example?timeout=5")
    assert (tls.port, tls.use_tls, tls.start_tls, tls.timeout) == (465, True, False, 5.0)
    assert SmtpEndpoint.parse("smtp://127.0.0.1:2525?starttls=0").start_tls is False


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example", "the scheme is smtp:// or smtps://"),
        ("mail.example:25", "the scheme is smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://mail.example:99999", "Port out of range"),
        ("smtp://mail.example?tls=1", "unknown option tls"),
        ("smtp://mail.example?starttls=maybe", "starttls is 1 or 0"),
        ("smtp://mail.example?timeout=soon", "timeout is seconds"),
        ("smtp://mail.example?timeout=0", "timeout is seconds"),
        ("smtps://mail.example?starttls=1", "TLS already"),
    ],
)
def test_a_url_that_names_no_mail_server_is_refused(url: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        SmtpEndpoint.parse(url)


def test_the_password_is_never_in_the_refusal() -> None:
    with pytest.raises(InvalidInput) as refused:
        SmtpEndpoint.parse("smtp://user:hunter2@mail.example:notaport")
    assert "hunter2" not in refused.value.detail
