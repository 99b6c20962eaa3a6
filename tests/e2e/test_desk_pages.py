"""The desk's pages over HTTP, the app in process (memory and SQLite): a fan gets help from the
order page, refuses the record's answer; the Chinese-speaking agent sees the case in their
queue with the order panel, notes, replies with a macro and solves it; the fan reads the reply
on /cases/{id}, never the note. And who may see what: another customer's case or order is
missing (404); a member without the agent role is refused (403), nobody logged in is sent to
the log-in; the supervisor's page is for supervisors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest

from flashsale.asgi import create_app
from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from flashsale.web.security import CONSOLE_COOKIE, SESSION_COOKIE
from tests.e2e.conftest import ADMIN
from tests.e2e.test_desk_api import desk_shop, fan_with_order, ok, set_up_desk
from tests.e2e.test_page_security import INLINE, assert_page_headers
from tests.e2e.test_staff_api import PASSWORD
from tests.e2e.test_staff_api import log_in as staff_log_in
from tests.e2e.test_web_pages import form_post

__all__ = ["desk_shop"]  # the fixture, shared with the API's tests

Browser = Callable[[str, str], httpx.AsyncClient]
MACRO = {
    "code": "paid-now",
    "title": "Paid now",
    "body": "Case {{ case.number }}: order {{ order.id }} is {{ order.status }}.",
    "set_status": "solved",
}


@pytest.fixture
async def transport(desk_shop: Shop) -> AsyncIterator[httpx.ASGITransport]:
    app = create_app(desk_shop)
    async with app.router.lifespan_context(app):
        yield httpx.ASGITransport(app=app)


@pytest.fixture
async def client(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
        yield c


@pytest.fixture
async def browsers(transport: httpx.ASGITransport) -> AsyncIterator[Browser]:
    """A browser per person: its own cookie jar holding their session (the API's token)."""
    opened: list[httpx.AsyncClient] = []

    def browser(cookie: str, token: str) -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=transport, base_url="http://shop.test")
        c.cookies.set(cookie, token)
        opened.append(c)
        return c

    yield browser
    for c in opened:
        await c.aclose()


def token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def customer(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD, "market": "CN"}
    await ok(await client.post("/api/v1/customers", json=body), 201)
    session = await ok(
        await client.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
    )
    return {"Authorization": f"Bearer {session['token']}"}


def case_id_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/cases/(case_[A-Za-z0-9_-]+)", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


async def test_a_fan_gets_help_and_an_agent_answers_with_a_macro(
    client: httpx.AsyncClient, browsers: Browser, desk_shop: Shop, clock: ManualClock
) -> None:
    people = await set_up_desk(client)
    await ok(await client.post("/api/v1/admin/desk/macros", headers=ADMIN, json=MACRO), 201)
    fan_headers, order_id = await fan_with_order(client, clock)
    fan = browsers(SESSION_COOKIE, token(fan_headers))
    li = browsers(CONSOLE_COOKIE, token(people["li"]))
    await ok(
        await client.put(
            "/api/v1/desk/me/status", headers=people["li"], json={"status": "available"}
        )
    )

    order_page = await fan.get(f"/orders/{order_id}")
    assert "获取帮助" in order_page.text and f"/orders/{order_id}/help" in order_page.text
    opened = await form_post(
        fan,
        f"/orders/{order_id}",
        f"/orders/{order_id}/help",
        {"topic": "payment", "message": "我的卡被拒了 <script>alert(1)</script>"},
    )
    case_id = case_id_of(opened)
    page = await fan.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "这个答复有帮助吗？" in page.text  # the record answered first (a CN fan reads Chinese)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # stored as text, escaped
    assert "<script>alert(1)" not in page.text
    asked = await form_post(fan, f"/cases/{case_id}", f"/cases/{case_id}/ask-for-agent", {})
    assert asked.status_code == 303, asked.text
    await desk_shop.desk.route()

    desk = await li.get("/desk")
    assert desk.status_code == 200, desk.text
    number = (await desk_shop.desk.work.case_file(case_id)).case.number
    assert f'data-case="{case_id}"' in desk.text and number in desk.text
    fragment = await li.get("/desk/queue")  # what htmx re-reads every few seconds
    assert f'data-case="{case_id}"' in fragment.text and "<html" not in fragment.text
    view = await li.get(f"/desk/cases/{case_id}")
    assert "data-order-panel" in view.text and order_id in view.text
    assert "Paid now" in view.text  # the macros offered
    assert "Asia/Shanghai" in view.text  # the pending picker's zone: the market's

    noted = await form_post(
        li,
        f"/desk/cases/{case_id}",
        f"/desk/cases/{case_id}/replies",
        {"body": "fan seems honest", "internal": "yes"},
    )
    assert noted.status_code == 303, noted.text
    replied = await form_post(
        li, f"/desk/cases/{case_id}", f"/desk/cases/{case_id}/replies", {"macro": "paid-now"}
    )
    assert replied.status_code == 303, replied.text
    assert replied.headers["location"] == f"/desk/cases/{case_id}?saved=replied"
    solved = (await desk_shop.desk.work.case_file(case_id)).case
    assert solved.status.value == "solved"  # the macro's status

    thread = await fan.get(f"/cases/{case_id}/thread")
    assert f"Case {number}: order {order_id} is reserved." in thread.text
    assert "fan seems honest" not in thread.text  # internal notes stay with the staff
    assert "已解决" in thread.text  # "solved", in the fan's language
    again = await form_post(
        fan, f"/cases/{case_id}", f"/cases/{case_id}/messages", {"message": "谢谢, one more"}
    )
    assert again.status_code == 303
    assert (await desk_shop.desk.work.case_file(case_id)).case.status.value == "open"

    status = await form_post(
        li, f"/desk/cases/{case_id}", f"/desk/cases/{case_id}/status", {"status": "closed"}
    )
    assert status.status_code == 409 and "is open" in status.text  # open cannot close
    past = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    pending = await form_post(
        li,
        f"/desk/cases/{case_id}",
        f"/desk/cases/{case_id}/status",
        {"status": "pending", "pending_until": past},
    )
    assert pending.status_code == 422 and "in the past" in pending.text


async def test_who_may_see_which_desk_page(
    client: httpx.AsyncClient, browsers: Browser, desk_shop: Shop, clock: ManualClock
) -> None:
    people = await set_up_desk(client)
    fan_headers, order_id = await fan_with_order(client, clock)
    fan = browsers(SESSION_COOKIE, token(fan_headers))
    opened = await form_post(
        fan, f"/orders/{order_id}", f"/orders/{order_id}/help", {"topic": "other", "message": "?"}
    )
    case_id = case_id_of(opened)
    stranger = browsers(SESSION_COOKIE, token(await customer(client, "other@mi.example")))
    assert (await stranger.get(f"/cases/{case_id}")).status_code == 404
    assert (await stranger.get(f"/cases/{case_id}/thread")).status_code == 404
    await stranger.get("/cases")  # a page for the CSRF token
    theirs = await form_post(
        stranger, "/cases", f"/orders/{order_id}/help", {"topic": "payment", "message": "mine?"}
    )
    assert theirs.status_code == 404
    written = await form_post(
        stranger, "/cases", f"/cases/{case_id}/messages", {"message": "let me in"}
    )
    assert written.status_code == 404
    nobody = browsers("unused", "")
    assert (await nobody.get(f"/cases/{case_id}")).headers["location"].startswith("/login")
    assert (await nobody.get("/desk")).headers["location"].startswith("/console/login")

    clerk_body = {
        "email": "clerk@mi.example",
        "password": PASSWORD,
        "roles": ["clerk"],
        "markets": ["CN"],
    }
    await ok(await client.post("/api/v1/admin/staff", headers=ADMIN, json=clerk_body), 201)
    clerk = browsers(CONSOLE_COOKIE, token(await staff_log_in(client, "clerk@mi.example")))
    assert (await clerk.get("/desk")).status_code == 403
    assert (await clerk.get(f"/desk/cases/{case_id}")).status_code == 403
    li = browsers(CONSOLE_COOKIE, token(people["li"]))
    assert (await li.get("/desk/supervisor")).status_code == 403  # an agent, no supervisor
    assert (await li.get("/desk")).status_code == 200

    asked = await form_post(fan, f"/cases/{case_id}", f"/cases/{case_id}/ask-for-agent", {})
    assert asked.status_code == 303, asked.text
    admin = browsers("unused", "")
    logged = await form_post(
        admin, "/console/login", "/console/login", {"token": ADMIN["Authorization"][7:]}
    )
    assert logged.status_code == 303, logged.text
    unassigned = await admin.get("/desk")  # the admin token has no cases: the waiting ones
    assert "Unassigned" in unassigned.text and f'data-case="{case_id}"' in unassigned.text
    wang = browsers(CONSOLE_COOKIE, token(people["wang"]))
    board = await wang.get("/desk/supervisor?market=CN")
    assert board.status_code == 200, board.text
    assert 'data-queue-row="cn-zh"' in board.text and "<svg" in board.text
    waiting = (await desk_shop.desk.work.case_file(case_id)).case.waiting
    assert waiting  # routed, and nobody online to take it
    assert '<td class="num" data-waiting>1</td>' in board.text
    assert 'data-stat="opened">1<' in board.text
    assert "Asia/Shanghai" in board.text
    assert (await wang.get("/desk/supervisor?date=yesterday")).status_code == 422
    # an internal note never reaches the customer's page, a system note neither
    await ok(
        await client.post(
            f"/api/v1/desk/cases/{case_id}/replies",
            headers=people["wang"],
            json={"body": "internal only", "internal": True},
        ),
        201,
    )
    assert "internal only" not in (await fan.get(f"/cases/{case_id}")).text
    assert "internal only" in (await wang.get(f"/desk/cases/{case_id}")).text
    for page in (
        await wang.get("/desk"),
        await wang.get(f"/desk/cases/{case_id}"),
        await wang.get("/desk/supervisor"),
        await fan.get(f"/cases/{case_id}"),
        await fan.get("/cases"),
        await fan.get(f"/orders/{order_id}"),
    ):
        assert page.status_code == 200, page.request.url
        assert_page_headers(page)
        assert INLINE.search(page.text) is None, page.request.url  # the CSP refuses it
    fragment = await wang.get(f"/desk/cases/{case_id}/thread")  # what htmx re-reads
    assert "internal only" in fragment.text and "<html" not in fragment.text
    assert (await stranger.get(f"/desk/cases/{case_id}/thread")).status_code == 303  # no staff


async def test_calls_assignment_and_merging_from_the_desk(
    client: httpx.AsyncClient, browsers: Browser, desk_shop: Shop, clock: ManualClock
) -> None:
    people = await set_up_desk(client)
    fan_headers, order_id = await fan_with_order(client, clock)
    fan = browsers(SESSION_COOKIE, token(fan_headers))
    ask = {"topic": "delivery", "message": "where is it?"}
    first = case_id_of(await form_post(fan, f"/orders/{order_id}", f"/orders/{order_id}/help", ask))
    again = case_id_of(await form_post(fan, f"/orders/{order_id}", f"/orders/{order_id}/help", ask))
    wang = browsers(CONSOLE_COOKIE, token(people["wang"]))

    page = await wang.get(f"/desk/cases/{again}")
    assert "Merge into the earlier case" in page.text  # proposed: same order within 24 h
    merged = await form_post(wang, f"/desk/cases/{again}", f"/desk/cases/{again}/merge",
                             {"into": first})  # fmt: skip
    assert merged.status_code == 303, merged.text
    closed = (await desk_shop.desk.work.case_file(again)).case
    assert closed.status.value == "closed" and closed.merged_into == first

    ann = people["ann-id"]["id"]
    offline = await form_post(
        wang, f"/desk/cases/{first}", f"/desk/cases/{first}/assign", {"to": f"agent:{ann}"}
    )
    assert offline.status_code == 409 and "offline" in offline.text
    li = browsers(CONSOLE_COOKIE, token(people["li"]))
    online = await form_post(li, "/desk", "/desk/me/status", {"status": "available"})
    assert online.headers["location"] == "/desk?saved=me"
    li_id = people["li-id"]["id"]
    assigned = await form_post(
        wang, f"/desk/cases/{first}", f"/desk/cases/{first}/assign", {"to": f"agent:{li_id}"}
    )
    assert assigned.status_code == 303, assigned.text
    assert (await desk_shop.desk.work.case_file(first)).case.assignee == li_id
    nowhere = await form_post(
        wang, f"/desk/cases/{first}", f"/desk/cases/{first}/assign", {"to": "somewhere"}
    )
    assert nowhere.status_code == 422

    call = {"customer": "xiaomi-fan@mi.example", "topic": "payment", "message": "打电话来的"}
    logged = await form_post(li, "/desk", "/desk/calls", {**call, "order_id": order_id})
    assert logged.status_code == 303, logged.text
    phoned = logged.headers["location"].split("?")[0].rsplit("/", 1)[1]
    case = (await desk_shop.desk.work.case_file(phoned)).case
    assert case.channel.value == "phone" and case.assignee == li_id  # the agent who took it
    nobody = await form_post(li, "/desk", "/desk/calls", {**call, "customer": "no@mi.example"})
    assert nobody.status_code == 404

    # The supervisor's "now": li holds two running cases; one pending no longer loads them.
    def load_of(page: httpx.Response, agent: str) -> str:
        row = re.search(rf'data-agent="{agent}">(.*?)</tr>', page.text, re.S)
        assert row is not None, page.text
        found = re.search(r"<span data-load>([^<]*)</span>", row.group(1))
        assert found is not None
        return found.group(1)

    assert load_of(await wang.get("/desk/supervisor"), li_id) == "2 / 8"
    paused = await form_post(
        li, f"/desk/cases/{phoned}", f"/desk/cases/{phoned}/status", {"status": "pending"}
    )
    assert paused.status_code == 303, paused.text
    board = await wang.get("/desk/supervisor")
    assert load_of(board, li_id) == "1 / 8" and load_of(board, ann) == "0 / 8"
    assert '<td class="num" data-waiting>0</td><td class="num" data-assigned>1</td>' in board.text
    # The record's answer accepted from the case page: solved, deflected.
    pay = {"topic": "payment", "message": "did my payment go through?"}
    third = case_id_of(await form_post(fan, f"/orders/{order_id}", f"/orders/{order_id}/help", pay))
    assert "是的，问题解决了" in (await fan.get(f"/cases/{third}")).text
    accepted = await form_post(fan, f"/cases/{third}", f"/cases/{third}/accept-answer", {})
    assert accepted.headers["location"] == f"/cases/{third}?saved=accepted"
    solved = (await desk_shop.desk.work.case_file(third)).case
    assert solved.status.value == "solved" and solved.deflected
    again_page = await fan.get(f"/cases/{third}?saved=accepted")
    assert "很高兴能帮到您" in again_page.text and "是的，问题解决了" not in again_page.text
    late = await form_post(fan, f"/cases/{third}", f"/cases/{third}/accept-answer", {})
    assert late.status_code == 409  # no answer awaits a verdict any more
    listed = await fan.get("/cases")
    assert all(c in listed.text for c in (first, again, third))
    # An action the order's state refuses is said on the page, nothing done.
    returning = await form_post(
        li, f"/desk/cases/{first}", f"/desk/cases/{first}/actions/start-return", {"quantity": "1"}
    )
    assert returning.status_code == 409, returning.text  # not delivered (or no returns yet)
    assert 'role="alert"' in returning.text
    units = await form_post(
        li, f"/desk/cases/{first}", f"/desk/cases/{first}/actions/start-return", {"quantity": "x"}
    )
    assert units.status_code == 422 and "quantity" in units.text
    resent = await form_post(
        li, f"/desk/cases/{first}", f"/desk/cases/{first}/actions/resend-confirmation", {}
    )
    assert resent.headers["location"] == f"/desk/cases/{first}?saved=acted"
    view = await li.get(resent.headers["location"])
    assert "was sent again" in view.text  # the action's note in the thread
