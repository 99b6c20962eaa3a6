"""The shop sends mail over SMTP only when FLASHSALE_SMTP_URL names a server."""

from __future__ import annotations

import pytest

from flashsale.bootstrap import build_shop
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import InvalidInput
from flashsale.notifications.domain.outbox import MailStatus
from tests.conftest import fast_settings
from tests.unit.notifications.examples import T0, message


@pytest.mark.parametrize("smtp_url", [None, "", "   "])
async def test_without_a_mail_server_the_shop_keeps_its_mail(smtp_url: str | None) -> None:
    shop = await build_shop(fast_settings(smtp_url=smtp_url), clock=ManualClock(T0))
    try:
        assert shop.mailer is None and not shop.notifications.delivers
        await shop.notifications.send([message()])
        (mail,) = await shop.notifications.recent()
        assert mail.status is MailStatus.KEPT
        assert await shop.store.mail(mail.id) == mail  # the record's outbox
    finally:
        await shop.aclose()


async def test_with_a_mail_server_the_shop_has_a_mailer() -> None:
    settings = fast_settings(smtp_url="smtp://user:hunter2@mail.example:587?starttls=1")
    shop = await build_shop(settings, clock=ManualClock(T0))
    try:
        assert shop.mailer is not None and shop.notifications.delivers
        await shop.notifications.send([message()])
        (mail,) = await shop.notifications.recent()
        assert (mail.status, mail.next_attempt_at) == (MailStatus.PENDING, T0)
    finally:
        await shop.aclose()
    assert "hunter2" not in repr(settings)


async def test_a_url_that_names_no_mail_server_stops_the_start() -> None:
    with pytest.raises(InvalidInput, match="FLASHSALE_SMTP_URL: the scheme is smtp"):
        await build_shop(fast_settings(smtp_url="mail.example:25"), clock=ManualClock(T0))
