"""The shopper's pages in another language: every page of the journey rendered in Chinese shows
none of the interface's English, the language follows the market and the browser, and the
shopper's choice sticks."""

from __future__ import annotations

import asyncio
import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po

from flashsale.bootstrap import Shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from flashsale.notifications.domain.catalogue import TEMPLATES as MAIL_TEMPLATES
from flashsale.notifications.domain.message import Message
from flashsale.notifications.service.rendering import MailRenderer
from flashsale.web.i18n import LOCALE_DIR, ORDER_STATUS_WORDS, countdown_days, translations
from flashsale.web.rendering import TEMPLATES
from tests.e2e.conftest import T0, sale_body
from tests.e2e.test_web_pages import (
    HTMX,
    CreateSale,
    buy,
    csrf_of,
    first_queue_event,
    form_post,
    sign_up,
)
from tests.unit.notifications.examples import EXAMPLE_DATA
from tests.unit.web.test_i18n import texts

PLACEHOLDER_OR_TAG = re.compile(r"%\([a-z_]+\)s|<[^>]+>")


class VisibleText(HTMLParser):
    """The text a reader sees (scripts and styles left out) and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder", "data-expired-text") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_fragments() -> list[str]:
    """The English of every message that Chinese writes differently: each run of words between
    its placeholders and tags, long enough to mean something."""
    with (LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    fragments = set()
    for message in catalog:
        if not message.id:
            continue
        strings = texts(message.string)
        for msgid in texts(message.id):
            for part in PLACEHOLDER_OR_TAG.split(msgid.replace("%%", "%")):
                part = part.strip(" .,:;()")
                meaningful = len(part) >= 4 and re.search("[A-Za-z]{2}", part)
                if meaningful and not any(part in s for s in strings):
                    fragments.add(part)
    return sorted(fragments, key=len, reverse=True)


def assert_no_english(page: httpx.Response, fragments: list[str]) -> None:
    """No long fragment anywhere in the text; no short one (a label: "City") as a whole text,
    where the data (a region called "... City", a product) cannot be mistaken for it."""
    # Code is not language: a command in a sentence stays as it is typed.
    html = re.sub(r"<code>.*?</code>", "", page.text, flags=re.S)
    text = visible(html)
    nodes = {node.strip(" .,:;()·") for node in text.splitlines()}
    left = [
        f
        for f in fragments
        if (f in nodes)
        or (len(f) >= 12 and re.search(rf"(?<![A-Za-z]){re.escape(f)}(?![A-Za-z])", text))
    ]
    assert not left, f"{page.request.url}: English left {left}\n{text}"


async def test_every_shopper_page_in_chinese_shows_no_interface_english(
    client: httpx.AsyncClient, clock: ManualClock, shop: Shop, create_sale: CreateSale
) -> None:
    fragments = english_fragments()
    assert "Buy now" in fragments and "Flash sales in" in fragments
    sale = await create_sale()
    sale_path = f"/sales/{sale['id']}"

    chosen = await client.get("/shop/IN?lang=zh_CN")
    assert chosen.cookies.get("lang") == "zh_CN"
    assert "Accept-Language" in chosen.headers["vary"]
    assert '<html lang="zh-CN">' in chosen.text
    assert_no_english(chosen, fragments)
    pages = ["/login", "/signup", "/password/forgot", "/password/reset", sale_path]
    for path in pages:
        assert_no_english(await client.get(path), fragments)

    await sign_up(client)
    for path in ("/shop/IN", sale_path, "/orders"):
        assert_no_english(await client.get(path), fragments)
    await form_post(client, sale_path, f"{sale_path}/register", {})
    assert_no_english(await client.get(sale_path), fragments)

    clock.set(T0.replace(hour=4, minute=30))  # the opening second
    assert_no_english(await client.get(sale_path), fragments)
    checkout_path = (await buy(client, sale["id"])).headers["HX-Redirect"]
    refused = await buy(client, sale["id"])  # at the limit: the refusal, translated
    assert "已达上限" in refused.text
    assert_no_english(refused, fragments)
    checkout = await client.get(checkout_path)
    assert (
        "剩余支付时间" in checkout.text
        and '<option value="IN" selected>印度</option>' in checkout.text
    )
    assert_no_english(checkout, fragments)
    order_path = checkout_path.replace("/checkout/", "/orders/")
    assert_no_english(await client.get(order_path), fragments)
    assert_no_english(await client.get(sale_path), fragments)  # holding one: pay now
    expired = await client.post(
        f"{order_path}/cancel", data={"csrf_token": "not-the-token"}, follow_redirects=False
    )
    assert expired.status_code == 403 and "表单已过期" in expired.text
    assert_no_english(expired, fragments)
    cancelled = await form_post(client, order_path, f"{order_path}/cancel", {"confirm": "yes"})
    assert cancelled.status_code == 303
    history = await client.get(order_path)  # its story, in Chinese
    assert "付款截止时间" in history.text and "顾客已取消；商品已重新开售" in history.text
    assert_no_english(history, fragments)
    assert_no_english(await client.get("/orders"), fragments)

    lost = await client.get("/no/such/page", headers={"Accept": "text/html"})
    assert lost.status_code == 404 and "页面不存在" in lost.text
    assert_no_english(lost, fragments)


async def test_the_waiting_room_panel_and_its_live_place_in_chinese(
    client: httpx.AsyncClient, clock: ManualClock, shop: Shop, create_sale: CreateSale
) -> None:
    fragments = english_fragments()
    sale = await create_sale(stock=5)
    sale_path = f"/sales/{sale['id']}"
    room = await client.put(
        f"/api/v1/admin{sale_path}/waiting-room",
        headers={"Authorization": "Bearer test-admin-token-of-the-suite"},
        json={"admission_rate_per_second": 10, "customer_requests_per_second": 100},
    )
    assert room.status_code == 200, room.text
    await client.get("/shop/IN?lang=zh_CN")
    await sign_up(client)
    assert_no_english(await client.get(sale_path), fragments)
    await form_post(client, sale_path, f"{sale_path}/register", {})
    assert_no_english(await client.get(sale_path), fragments)
    await form_post(client, sale_path, f"{sale_path}/queue", {})
    waiting = await client.get(sale_path)
    assert "开售时抽签" in waiting.text
    texts = re.search(r"data-queue-texts='([^']+)'", waiting.text)
    assert texts is not None and json.loads(texts.group(1))["waiting"] == "排队中"
    assert_no_english(waiting, fragments)
    event = await first_queue_event(client, sale["id"])  # the live place, in the same words
    assert event["number"] == "开售时抽签" and "随机抽签" in event["line"]

    clock.set(T0.replace(hour=4, minute=30))
    data = {"csrf_token": csrf_of(waiting), "quantity": "1", "attempt": "a1"}
    refused = await client.post(f"{sale_path}/buy", data=data, headers=HTMX)
    assert "还没轮到你" in refused.text
    await shop.room.tick()
    clock.advance(1)
    await shop.room.tick()
    admitted = await client.get(sale_path)
    assert "轮到你了" in admitted.text
    assert_no_english(admitted, fragments)


async def test_answers_without_a_page_speak_the_sales_market_language(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    """A refusal swapped into the sale page, and the expired-form page, in the language of the
    sale's page (no cookie, an English browser)."""
    await shop.catalog.add_markets([Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai")])
    admin = {"Authorization": "Bearer test-admin-token-of-the-suite"}
    product = await client.post(
        "/api/v1/admin/products",
        headers=admin,
        json={"name": "Mi Band 2", "variants": [{"sku": "BAND-CN", "prices": {"CN": "149"}}]},
    )
    assert product.status_code == 201, product.text
    body = sale_body(sku="BAND-CN", market="CN")
    sale = (await client.post("/api/v1/admin/sales", headers=admin, json=body)).json()
    sale_path = f"/sales/{sale['id']}"
    english = {"Accept-Language": "en-US"}
    await sign_up(client)  # an Indian account, an English browser
    page = await client.get(sale_path, headers=english)
    assert '<html lang="zh-CN">' in page.text
    # The buy form names its page's language: the refusal needs no look-up to speak it.
    assert 'name="page_lang" value="zh_CN"' in page.text
    data = {"csrf_token": csrf_of(page), "quantity": "1", "page_lang": "zh_CN"}
    refused = await client.post(f"{sale_path}/buy", data=data, headers={**HTMX, **english})
    assert "太早了" in refused.text
    data["page_lang"] = "../../nonsense"
    refused = await client.post(f"{sale_path}/buy", data=data, headers={**HTMX, **english})
    assert "Too early" in refused.text  # not a language: the browser's
    expired = await client.post(
        f"{sale_path}/register", data={"csrf_token": "stale"}, headers=english
    )
    assert expired.status_code == 403 and "表单已过期" in expired.text


async def first_event(client: httpx.AsyncClient, path: str, query: str) -> dict[str, Any]:
    """The first event a page's live stream pushes (raw ASGI: the stream goes on)."""
    app = client._transport.app  # type: ignore[attr-defined]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"shop.test")],
        "client": ("127.0.0.1", 40000),
        "server": ("shop.test", 80),
    }
    done = asyncio.Event()
    found: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def receive() -> dict[str, Any]:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        for line in message.get("body", b"").decode().splitlines():
            if line.startswith("data: ") and not found.done():
                found.set_result(json.loads(line.removeprefix("data: ")))

    task = asyncio.create_task(app(scope, receive, send))
    try:
        return await asyncio.wait_for(found, 5)
    finally:
        done.set()
        await asyncio.wait_for(task, 5)


async def test_the_sale_pages_live_badge_speaks_the_pages_language(
    client: httpx.AsyncClient, create_sale: CreateSale
) -> None:
    sale = await create_sale()
    page = await client.get(f"/sales/{sale['id']}?lang=hi_IN")
    feed = re.search(r'data-sale-feed="([^"?]+)\?([^"]+)"', page.text)
    assert feed is not None and feed.group(2) == "lang=hi_IN"
    event = await first_event(client, feed.group(1), feed.group(2))
    assert event["state_label"] == "पंजीकरण खुला"  # "Registration open"
    english = await first_event(client, feed.group(1), "")
    assert english["state_label"] == "Registration open"


async def test_the_market_picks_the_language_unless_the_shopper_chose(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await shop.catalog.add_markets([Market("GR", "Greece", "EUR", "el_GR", "Europe/Athens")])
    greek = await client.get("/shop/GR")
    assert '<html lang="el-GR">' in greek.text and "Σύνδεση" in greek.text
    indian = await client.get("/shop/IN", headers={"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"})
    assert '<html lang="hi-IN">' in indian.text and "लॉग इन" in indian.text
    assert '<html lang="en-IN">' in (await client.get("/shop/IN")).text
    # The menu links this page in each language; a choice is kept for every later page.
    assert 'href="/shop/GR?lang=ru_RU"' in greek.text
    russian = await client.get("/shop/GR?lang=ru_RU")
    assert russian.cookies.get("lang") == "ru_RU" and "Войти" in russian.text
    assert "Войти" in (await client.get("/shop/IN")).text
    english = await client.get("/shop/IN?lang=en_US")
    assert "Log in" in english.text and "Войти" not in english.text


STAFF_TEMPLATES = (
    "console/*.html",
    "console/**/*.html",
    "desk/*.html",
    "pos/*.html",
    "cases/*.html",
)
# What a staff template may write outside {% trans %} and _(): the brand, the word SKU, and the
# example data of a placeholder (an email, attributes as the operator types them).
NOT_ENGLISH = {"flashsale", "SKU", "fan", "example", "com", "colour", "black", "storage", "GB"}


def english_outside_messages(source: str) -> list[str]:
    """The words of a template a reader sees (text, aria-label, title, placeholder, alt) that no
    message holds: what a page would show in English whatever its language."""
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{%-? trans\b.*?{%-? endtrans -?%}", " ", source, flags=re.S)
    source = re.sub(r"{{.*?}}|{%.*?%}", " ", source, flags=re.S)
    # A textarea's content is what the operator edits (the CSV of a wave's shipments).
    source = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", source, flags=re.S)
    readable = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', source)
    text = re.sub(r"<[^>]*>", "\n", source)
    words = [w for part in [*readable, text] for w in re.findall(r"[A-Za-z]{2,}", part)]
    return [w for w in words if w not in NOT_ENGLISH]


@pytest.mark.parametrize(
    "template",
    sorted(
        {
            str(path.relative_to(TEMPLATES))
            for pattern in STAFF_TEMPLATES
            for path in TEMPLATES.glob(pattern)
        }
    ),
)
def test_no_staff_or_service_desk_template_writes_english_outside_its_messages(
    template: str,
) -> None:
    assert english_outside_messages((TEMPLATES / template).read_text()) == [], template


def test_the_check_finds_english_left_in_a_template() -> None:
    left = '<h1>{{ _("Orders") }}</h1><button aria-label="Close">×</button><p>No orders.</p>'
    assert english_outside_messages(left) == ["Close", "No", "orders"]
    kept = "{% trans n=1 %}{{ n }} order{% endtrans %} <input placeholder=\"{{ _('any') }}\">"
    assert english_outside_messages(kept) == []


async def test_a_page_in_the_source_language_keeps_its_csrf_form(client: httpx.AsyncClient) -> None:
    page = await client.get("/login?lang=id_ID")
    assert csrf_of(page) and "Masuk" in page.text


MAIL_LANGUAGES = ("ru_RU", "el_GR", "id_ID", "hi_IN", "zh_CN")
# Written the same in a translation: the thread's tag ([Case #…], by which a reply finds its
# case), the brand, a time's zone, and words Indonesian shares with English.
SAME_IN_BOTH = {"Case", "flashsale", "UTC", "Total", "bank"}


def latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text))


@pytest.mark.parametrize("locale", MAIL_LANGUAGES)
def test_every_customer_mail_is_written_in_each_markets_language(locale: str) -> None:
    """Each mail a customer gets (the pickup notice aside: stores/service/pickup_mail.py), in
    the language of a market of ``locale``: no word of the English mail but the data's."""
    renderer = MailRenderer.packaged()
    for template in sorted(set(MAIL_TEMPLATES) - {"pickup_ready"}):
        data = EXAMPLE_DATA[template]
        english = renderer.render(Message("fan@example.com", template, "en", data))
        mail = renderer.render(Message("fan@example.com", template, locale, data))
        data_words = latin_words(" ".join(str(value) for value in data.values()))
        interface = latin_words(english.subject + english.text) - data_words - SAME_IN_BOTH
        for part in (mail.subject, mail.text, re.sub(r"<[^>]*>", " ", mail.html or "")):
            assert latin_words(part) & interface == set(), (locale, template, part)
        assert mail.html is not None and f'lang="{locale.split("_")[0]}' in mail.html


def test_every_state_a_staff_page_shows_has_its_word() -> None:
    from flashsale.desk.domain.case import Author, CaseStatus, Channel, Topic
    from flashsale.desk.domain.sla import Priority
    from flashsale.desk.domain.staffing import AgentStatus
    from flashsale.fulfilment.domain.returns import ReturnStatus
    from flashsale.notifications.domain.outbox import MailStatus
    from flashsale.orders.domain.order import PaymentStatus
    from flashsale.orders.domain.refunds import RefundStatus
    from flashsale.web.i18n import CASE_WORDS, ORDER_STEP_WORDS, STAFF_STATE_WORDS

    words = {*CASE_WORDS, *STAFF_STATE_WORDS, *ORDER_STEP_WORDS, *ORDER_STATUS_WORDS}
    shown = (Author, CaseStatus, Channel, Priority, Topic, AgentStatus, ReturnStatus, MailStatus)
    for kind in (*shown, PaymentStatus, RefundStatus):
        assert {str(state.value) for state in kind} <= words, kind
    assert translations("ru_RU").gettext("on_hold") == "приостановлено"


def test_a_countdowns_days_come_in_each_plural_form_of_the_language() -> None:
    assert countdown_days("ru_RU") == {
        "one": "%(days)s день %(hours)s ч",
        "few": "%(days)s дня %(hours)s ч",
        "many": "%(days)s дней %(hours)s ч",
        "other": "%(days)s дня %(hours)s ч",
    }
    assert countdown_days("zh_CN") == {"other": "%(days)s 天 %(hours)s 小时"}
    english = countdown_days(None)
    assert english == {"one": "%(days)s day %(hours)s h", "other": "%(days)s days %(hours)s h"}
