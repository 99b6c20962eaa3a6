"""The staff's pages and the customers' mail in another language, on every record: the console
in the operator's language whatever market it is about, and a customer's mail in their
market's language as the operator reads it in the console."""

from __future__ import annotations

import httpx

from flashsale.bootstrap import Shop
from flashsale.catalog.market import Market
from tests.e2e import backends
from tests.e2e.test_translations import assert_no_english, english_fragments
from tests.e2e.test_web_pages import CreateSale, console_log_in, form_post, sign_up

shop = backends.shop
postgres_url = backends.postgres_url


async def test_the_console_speaks_the_operators_language_not_the_sales(
    client: httpx.AsyncClient, shop: Shop, create_sale: CreateSale
) -> None:
    """Every console page in Chinese (the operator's choice) shows none of the interface's
    English, a Greek sale's dashboard included; with no choice, the browser's language."""
    await shop.catalog.add_markets([Market("GR", "Greece", "EUR", "el_GR", "Europe/Athens")])
    fragments = english_fragments()
    sale = await create_sale()
    chosen = await client.get("/console/login?lang=zh_CN")
    assert '<html lang="zh-CN">' in chosen.text and "操作员登录" in chosen.text
    assert chosen.cookies.get("lang") == "zh_CN"
    assert_no_english(chosen, fragments)
    wrong = await form_post(client, "/console/login", "/console/login", {"token": "guess"})
    assert wrong.status_code == 401 and "管理员令牌不正确" in wrong.text
    await console_log_in(client)
    await sign_up(client, "mei@example.com")
    product_id = (await shop.catalog.products())[0].id
    pages = [
        "/console/sales",
        "/console/sales/new",
        f"/console/sales/{sale['id']}",
        f"/console/sales/{sale['id']}/edit",
        f"/console/sales/{sale['id']}/room",
        "/console/products",
        f"/console/products/{product_id}",
        "/console/orders",
        "/console/orders?q=ord_nothing",
        "/console/customers?q=mei@example.com",
        "/console/mail",
        "/console/reports",
        "/console/fulfilment",
        "/pos",
    ]
    for path in pages:
        page = await client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert '<html lang="zh-CN">' in page.text, path
        assert_no_english(page, fragments)
    dashboard = await client.get(f"/console/sales/{sale['id']}")
    assert "剩余件数" in dashboard.text and "核对" in dashboard.text
    assert "没有订单 ord_nothing。" in (await client.get("/console/orders?q=ord_nothing")).text

    # No choice: the operator's browser, whatever market the page is about.
    client.cookies.delete("lang")
    greek_sale = await create_sale(market="GR", price="19.90")
    russian = {"Accept-Language": "ru-RU,ru;q=0.9"}
    page = await client.get(f"/console/sales/{greek_sale['id']}", headers=russian)
    assert '<html lang="ru-RU">' in page.text and "Осталось единиц" in page.text
    english = await client.get(f"/console/sales/{greek_sale['id']}")
    assert '<html lang="en-US">' in english.text and "Units left" in english.text


async def test_a_customers_mail_speaks_their_markets_language_and_the_console_shows_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    """A Russian customer's password mail in Russian; an operator reads it in the console, in
    the console's Greek."""
    await shop.catalog.add_markets([Market("RU", "Russia", "RUB", "ru_RU", "Europe/Moscow")])
    signed = await form_post(
        client,
        "/signup",
        "/signup",
        {"email": "olga@example.com", "password": "mi-fan-2015", "market": "RU"},
    )
    assert signed.status_code == 303, signed.text
    client.cookies.clear()
    asked = await form_post(
        client, "/password/forgot", "/password/forgot", {"email": "olga@example.com"}
    )
    assert asked.status_code == 200, asked.text
    (mail,) = [m for m in await shop.notifications.recent() if m.to == "olga@example.com"]
    assert mail.locale == "ru_RU"
    assert mail.mail.subject == "Новый пароль для вашей учётной записи flashsale"
    assert "ссылка работает один раз" in mail.mail.text and "Someone" not in mail.mail.text
    assert mail.mail.html is not None and '<html lang="ru">' in mail.mail.html

    await console_log_in(client)
    page = await client.get(f"/console/mail/{mail.id}?lang=el_GR")
    assert '<html lang="el-GR">' in page.text
    assert "Όλη η αλληλογραφία" in page.text and "Προσπάθειες" in page.text  # the console
    assert "Задайте его здесь" in page.text  # the mail, as the customer reads it
    assert_no_english(page, english_fragments())
