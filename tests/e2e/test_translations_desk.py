"""The service desk in another language, over HTTP (memory and SQLite, as the desk's own page
tests): a Chinese fan's "Get help", case and cases pages in Chinese (their market's language),
and the agent's desk, a case's view and the supervisor's board in Chinese (the agent's choice),
with none of the interface's English left."""

from __future__ import annotations

import httpx

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.web.security import CONSOLE_COOKIE, SESSION_COOKIE
from tests.e2e.test_desk_api import desk_shop, fan_with_order, ok, set_up_desk
from tests.e2e.test_desk_pages import Browser, browsers, case_id_of, client, token, transport
from tests.e2e.test_translations import assert_no_english, english_fragments
from tests.e2e.test_web_pages import form_post

__all__ = ["browsers", "client", "desk_shop", "transport"]  # the desk's page fixtures


async def test_the_desk_and_the_fans_case_pages_speak_chinese(
    client: httpx.AsyncClient, browsers: Browser, desk_shop: Shop, clock: ManualClock
) -> None:
    fragments = english_fragments()
    people = await set_up_desk(client)
    fan_headers, order_id = await fan_with_order(client, clock)
    fan = browsers(SESSION_COOKIE, token(fan_headers))

    order_page = await fan.get(f"/orders/{order_id}")  # a Chinese market: Chinese
    assert '<html lang="zh-CN">' in order_page.text and "获取帮助" in order_page.text
    assert_no_english(order_page, fragments)
    opened = await form_post(
        fan,
        f"/orders/{order_id}",
        f"/orders/{order_id}/help",
        {"topic": "payment", "message": "我的卡被拒了"},
    )
    case_id = case_id_of(opened)
    for path in (f"/cases/{case_id}", "/cases"):
        page = await fan.get(path)
        assert page.status_code == 200, page.text
        assert_no_english(page, fragments)
    assert "这个答复有帮助吗？" in (await fan.get(f"/cases/{case_id}")).text
    asked = await form_post(fan, f"/cases/{case_id}", f"/cases/{case_id}/ask-for-agent", {})
    assert asked.status_code == 303, asked.text
    assert "客服人员会在这里" in (await fan.get(asked.headers["location"])).text
    await desk_shop.desk.route()

    li = browsers(CONSOLE_COOKIE, token(people["li"]))
    wang = browsers(CONSOLE_COOKIE, token(people["wang"]))
    await ok(
        await client.put(
            "/api/v1/desk/me/status", headers=people["li"], json={"status": "available"}
        )
    )
    for person, path in (
        (li, "/desk?lang=zh_CN"),
        (li, f"/desk/cases/{case_id}"),
        (wang, "/desk/supervisor?market=CN&lang=zh_CN"),
    ):
        page = await person.get(path)
        assert page.status_code == 200, (path, page.text)
        assert '<html lang="zh-CN">' in page.text, path
        assert_no_english(page, fragments)
    board = await wang.get("/desk/supervisor?market=CN")
    assert "转人工" in board.text and "每小时工单数" in board.text  # the chart's words
