"""The console's Mail pages over ASGITransport: behind the admin log-in, the outbox newest first
in pages and by state, one mail with its text, and the HTML part shown as inert source."""

from __future__ import annotations

import re

import httpx

from flashsale.bootstrap import Shop
from flashsale.notifications.domain.outbox import MailStatus
from flashsale.web.console_mail import PAGE_SIZE
from tests.e2e.test_web_pages import console_log_in
from tests.unit.notifications.examples import message


async def test_the_mail_pages_need_the_admin_log_in(client: httpx.AsyncClient) -> None:
    for path in ("/console/mail", "/console/mail/mail_x"):
        answer = await client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/console/login?next={path}"


async def test_the_operator_reads_the_outbox_and_one_mail(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    product = '<script>alert("band")</script>'
    await shop.notifications.send(
        [
            message(to="asha@mi.example", product=product),
            message("refund_issued", "zh_CN", to="li@mi.example"),
        ]
    )
    await console_log_in(client)
    page = await client.get("/console/mail")
    assert page.status_code == 200
    assert 'href="/console/mail" aria-current="page"' in page.text
    assert "No mail server is configured" in page.text
    assert page.text.index("li@mi.example") < page.text.index("asha@mi.example")
    assert "<script>alert" not in page.text  # the subject carries the product, escaped
    assert "&lt;script&gt;alert" in page.text

    (refund, confirmation) = await shop.notifications.recent()
    one = await client.get(f"/console/mail/{refund.id}")
    assert one.status_code == 200
    assert refund.mail.subject in one.text and "kept" in one.text
    assert "我们已于" in one.text

    html = await client.get(f"/console/mail/{confirmation.id}")
    assert html.status_code == 200
    assert "<script>alert" not in html.text
    assert "&lt;!doctype html&gt;" in html.text  # the HTML part as source, never run

    assert (await client.get("/console/mail/mail_nope")).status_code == 404


async def test_the_outbox_pages_by_state_and_age(client: httpx.AsyncClient, shop: Shop) -> None:
    size = PAGE_SIZE
    await shop.notifications.send([message(to=f"fan{n}@mi.example") for n in range(size + 3)])
    await console_log_in(client)
    first = await client.get("/console/mail")
    assert first.text.count('href="/console/mail/mail_') == size
    older = re.search(r'href="/console/mail\?before=(mail_\w+)"', first.text)
    assert older is not None, first.text
    rest = await client.get(f"/console/mail?before={older.group(1)}")
    assert rest.text.count('href="/console/mail/mail_') == 3
    assert "fan0@mi.example" in rest.text and "fan0@mi.example" not in first.text

    kept = await client.get("/console/mail?status=kept")
    assert kept.text.count('href="/console/mail/mail_') == size
    sent = await client.get(f"/console/mail?status={MailStatus.SENT.value}")
    assert "No mail" in sent.text
    anything = await client.get("/console/mail?status=bogus")  # read as no filter
    assert anything.status_code == 200
