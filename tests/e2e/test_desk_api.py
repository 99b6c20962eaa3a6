"""The service desk over HTTP, the app in process: a Chinese fan whose card was declined opens
a case from the order, refuses the record's answer, is routed to the Chinese-speaking agent,
who refunds above the limit; a supervisor approves; the fan reads the reply in the mail
(outbox) and on the case. And every bad input the issue lists, answered as it says."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from flashsale.asgi import create_app
from flashsale.bootstrap import MEMORY_DATABASE_URL, Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.kernel.clock import ManualClock
from tests.conftest import fast_settings
from tests.e2e.conftest import ADMIN, T0, sqlite_database
from tests.e2e.test_bad_input import assert_problem
from tests.e2e.test_staff_api import PASSWORD, log_in

INBOUND_SECRET = "whsec_" + base64.b64encode(b"the mail gateway's secret key!!!").decode()
DECLINED = {"card": "4000000000000002"}
GOOD = {"card": "4242424242424242"}
Headers = dict[str, str]


@pytest.fixture(params=["memory", "sqlite"])
async def desk_shop(
    request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Shop]:
    url = MEMORY_DATABASE_URL if request.param == "memory" else await sqlite_database(tmp_path)
    settings = fast_settings(
        database_url=url,
        refund_approval_limit="CNY:2000",
        desk_inbound_secret=INBOUND_SECRET,
        public_url="https://mi.example",
    )
    shop = await build_shop(settings, clock=clock)
    try:
        await shop.catalog.add_markets(
            [
                Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai"),
                Market("IN", "India", "INR", "en_IN", "Asia/Kolkata"),
            ]
        )
        yield shop
    finally:
        await shop.aclose()


@pytest.fixture
async def client(desk_shop: Shop) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(desk_shop)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
            yield c


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def staff(client: httpx.AsyncClient, email: str, role: str, languages: list[str]) -> str:
    body = {
        "email": email,
        "password": PASSWORD,
        "roles": [role],
        "markets": ["CN"],
        "languages": languages,
    }
    member = await ok(await client.post("/api/v1/admin/staff", headers=ADMIN, json=body), 201)
    return str(member["id"])


async def set_up_desk(client: httpx.AsyncClient) -> dict[str, Headers]:
    admin = "/api/v1/admin/desk"
    every = {"first_response": 60, "next_response": 120, "resolution": 480}
    await ok(
        await client.post(
            f"{admin}/sla-policies", headers=ADMIN, json={"code": "std", "targets": {"*": every}}
        ),
        201,
    )
    all_week = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    await ok(
        await client.post(
            f"{admin}/calendars", headers=ADMIN, json={"market": "CN", "weekly": all_week}
        ),
        201,
    )
    topics = ["payment", "delivery", "return", "product", "other"]
    for code, language in (("cn-zh", "zh"), ("cn-en", "en")):
        queue = {
            "code": code,
            "market": "CN",
            "language": language,
            "topics": topics,
            "sla_policy": "std",
        }
        await ok(await client.post(f"{admin}/queues", headers=ADMIN, json=queue), 201)
    people: dict[str, Headers] = {}
    for name, role, languages in (
        ("li", "agent", ["zh"]),
        ("ann", "agent", ["en"]),
        ("wang", "supervisor", ["zh", "en"]),
    ):
        email = f"{name}@mi.example"
        staff_id = await staff(client, email, role, languages)
        agent = {"staff": staff_id, "market": "CN", "topics": topics, "capacity": 8}
        await ok(await client.post(f"{admin}/agents", headers=ADMIN, json=agent), 201)
        people[name] = await log_in(client, email)
        people[f"{name}-id"] = {"id": staff_id}
    return people


async def fan_with_order(client: httpx.AsyncClient, clock: ManualClock) -> tuple[Headers, str]:
    product = {
        "name": "Mi 4i",
        "variants": [{"sku": "MI4I", "attributes": {"colour": "white"}, "prices": {"CN": "1999"}}],
    }
    await ok(await client.post("/api/v1/admin/products", headers=ADMIN, json=product), 201)
    sale = {
        "sku": "MI4I",
        "market": "CN",
        "stock": 10,
        "per_customer_limit": 2,
        "registration_opens_at": T0.isoformat(),
        "registration_closes_at": (T0 + timedelta(hours=1)).isoformat(),
        "opens_at": (T0 + timedelta(hours=1, minutes=30)).isoformat(),
        "closes_at": (T0 + timedelta(hours=3)).isoformat(),
        "payment_window_seconds": 900,
    }
    made = await ok(await client.post("/api/v1/admin/sales", headers=ADMIN, json=sale), 201)
    email = "xiaomi-fan@mi.example"
    signed = {"email": email, "password": "mi-fan-2015", "market": "CN"}
    await ok(await client.post("/api/v1/customers", json=signed), 201)
    session = await ok(
        await client.post(
            "/api/v1/sessions", json={"email": signed["email"], "password": signed["password"]}
        )
    )
    fan = {"Authorization": f"Bearer {session['token']}"}
    await ok(await client.post(f"/api/v1/sales/{made['id']}/registrations", headers=fan), 201)
    clock.set(T0 + timedelta(hours=2))
    bought = await client.post(
        f"/api/v1/sales/{made['id']}/purchases", headers=fan, json={"quantity": 2}
    )
    order_id = str((await ok(bought, 201))["order_id"])
    return fan, order_id


async def test_a_declined_fan_is_helped_by_a_chinese_agent_and_a_supervisor(
    client: httpx.AsyncClient, desk_shop: Shop, clock: ManualClock
) -> None:
    people = await set_up_desk(client)
    await ok(
        await client.put(
            "/api/v1/desk/me/status", headers=people["ann"], json={"status": "available"}
        )
    )
    await ok(
        await client.put(
            "/api/v1/desk/me/status", headers=people["li"], json={"status": "available"}
        )
    )
    fan, order_id = await fan_with_order(client, clock)
    declined = await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=DECLINED)
    assert declined.status_code == 402, declined.text

    opened = await client.post(
        "/api/v1/cases",
        headers=fan,
        json={"order_id": order_id, "topic": "payment", "message": "我的卡被拒了 <b>help</b>"},
    )
    case = await ok(opened, 201)
    assert case["status"] == "new" and case["suggested_answer"]["code"] == "payment_not_received"
    assert case["suggested_answer"]["link"] == f"https://mi.example/orders/{order_id}"
    await desk_shop.desk.route()
    waiting = await ok(await client.get("/api/v1/desk/cases?view=unassigned", headers=people["li"]))
    assert waiting["cases"] == []  # awaiting the fan's verdict: not routed

    routed = await ok(await client.post(f"/api/v1/cases/{case['id']}/ask-for-agent", headers=fan))
    assert routed["suggested_answer"] is None and routed["awaiting_verdict"] is False
    await desk_shop.desk.route()  # (or the shop's own background router, woken by the write)
    li = people["li"]
    mine = await ok(await client.get("/api/v1/desk/cases?view=mine", headers=li))
    assert [c["id"] for c in mine["cases"]] == [case["id"]]
    assert mine["cases"][0]["assignee"] == people["li-id"]["id"]  # the Chinese speaker

    # The fan pays with another card; then asks for most of it back (above CNY 2,000).
    await ok(await client.post(f"/api/v1/orders/{order_id}/payments", headers=fan, json=GOOD))
    await ok(
        await client.post(
            f"/api/v1/cases/{case['id']}/messages", headers=fan, json={"message": "请退款 3000"}
        ),
        201,
    )
    file = await ok(await client.get(f"/api/v1/desk/cases/{case['id']}", headers=li))
    assert file["order"]["status"] == "paid" and file["order"]["payment_reference"]
    assert "<b>help</b>" in file["messages"][0]["body"]  # stored as text, as written
    refund_path = f"/api/v1/desk/cases/{case['id']}/actions/refund"
    asked = await ok(
        await client.post(refund_path, headers=li, json={"amount": "3000.00", "reason": "twice"})
    )
    assert asked["refund_status"] == "awaiting_approval"
    approve = f"/api/v1/desk/cases/{case['id']}/actions/approve-refund"
    body = {"refund_id": asked["refund_id"]}
    assert_problem(await client.post(approve, headers=li, json=body), 403, "forbidden")
    approved = await ok(await client.post(approve, headers=people["wang"], json=body))
    assert approved["refund_status"] == "succeeded"

    replied = await client.post(
        f"/api/v1/desk/cases/{case['id']}/replies",
        headers=li,
        json={"body": "已为您退款 3000 元。"},
    )
    assert (await ok(replied, 201))["status"] == "open"
    await ok(
        await client.post(
            f"/api/v1/desk/cases/{case['id']}/status", headers=li, json={"status": "solved"}
        )
    )
    thread = await ok(await client.get(f"/api/v1/cases/{case['id']}", headers=fan))
    bodies = [m["body"] for m in thread["messages"]]
    assert "已为您退款 3000 元。" in bodies
    assert not any("Refund" in b for b in bodies)  # internal notes stay with the staff
    assert thread["case"]["status"] == "solved"
    mails = await desk_shop.notifications.recent()
    reply = next(m for m in mails if m.template == "service_desk_reply")
    assert reply.to == "xiaomi-fan@mi.example" and case["number"] in reply.mail.subject
    assert "已为您退款" in reply.mail.text
    events = [e["kind"] for e in file["events"]]
    assert events[:3] == ["case.opened", "case.answered", "case.routed"]
    final = await ok(await client.get(f"/api/v1/desk/cases/{case['id']}", headers=li))
    actions = [e["data"]["action"] for e in final["events"] if e["kind"] == "case.action"]
    assert actions == ["refund", "approve-refund"]
    kinds = [h["kind"] for h in final["order"]["history"]]
    assert "order.refunded" in kinds  # on the order too, through the refunds service


async def test_bad_input_is_answered_as_the_issue_says(
    client: httpx.AsyncClient, desk_shop: Shop, clock: ManualClock
) -> None:
    people = await set_up_desk(client)
    fan, order_id = await fan_with_order(client, clock)
    other = {"email": "other@mi.example", "password": "mi-fan-2015", "market": "CN"}
    await ok(await client.post("/api/v1/customers", json=other), 201)
    session = await ok(
        await client.post(
            "/api/v1/sessions", json={"email": other["email"], "password": other["password"]}
        )
    )
    stranger = {"Authorization": f"Bearer {session['token']}"}
    cases = "/api/v1/cases"
    # a case on another customer's order
    theirs = {"order_id": order_id, "topic": "payment", "message": "mine?"}
    assert_problem(await client.post(cases, headers=stranger, json=theirs), 404, "not-found")
    for message in ("", "   ", "x" * 20_001):
        body = {"topic": "other", "message": message}
        assert (await client.post(cases, headers=fan, json=body)).status_code == 422
    # an unknown macro variable, named
    macro = {"code": "colour", "title": "Colour", "body": "Your {{ order.colour }} phone"}
    unknown = await client.post("/api/v1/admin/desk/macros", headers=ADMIN, json=macro)
    assert_problem(unknown, 422, "macro-unknown-variable")
    assert "order.colour" in unknown.json()["detail"]
    # an action beyond the role: an agent sets up no queue
    queue = {
        "code": "x",
        "market": "CN",
        "language": "zh",
        "topics": ["other"],
        "sla_policy": "std",
    }
    agent_try = await client.post("/api/v1/admin/desk/queues", headers=people["li"], json=queue)
    assert_problem(agent_try, 403, "forbidden")
    # an invalid transition names the current status; pending_until in the past
    case = await ok(
        await client.post(cases, headers=fan, json={"topic": "other", "message": "hello"}), 201
    )
    status = f"/api/v1/desk/cases/{case['id']}/status"
    await ok(await client.post(status, headers=people["li"], json={"status": "solved"}))
    await ok(await client.post(status, headers=people["li"], json={"status": "closed"}))
    moved = await client.post(status, headers=people["li"], json={"status": "open"})
    assert_problem(moved, 409, "case-invalid-transition")
    assert "is closed" in moved.json()["detail"]
    second = await ok(
        await client.post(cases, headers=fan, json={"topic": "other", "message": "again"}), 201
    )
    past = (clock.now() - timedelta(minutes=1)).isoformat()
    pending = await client.post(
        f"/api/v1/desk/cases/{second['id']}/status",
        headers=people["li"],
        json={"status": "pending", "pending_until": past},
    )
    assert_problem(pending, 422, "invalid-input")
    # assigning to an offline agent
    assign = await client.post(
        f"/api/v1/desk/cases/{second['id']}/assign",
        headers=people["wang"],
        json={"agent": people["ann-id"]["id"]},
    )
    assert_problem(assign, 409, "agent-unavailable")
    # start a return: on a case about no order, of an order not delivered, of -1 units
    start_return = "/api/v1/desk/cases/{}/actions/start-return"
    returning = await client.post(start_return.format(second["id"]), headers=people["li"])
    assert_problem(returning, 422, "invalid-input")
    about = {"order_id": order_id, "topic": "delivery", "message": "send it back"}
    on_order = await ok(await client.post(cases, headers=fan, json=about), 201)
    returning = await client.post(start_return.format(on_order["id"]), headers=people["li"])
    assert_problem(returning, 409, "not-delivered")
    returning = await client.post(
        start_return.format(on_order["id"]), headers=people["li"], json={"quantity": -1}
    )
    assert_problem(returning, 422, "validation-error")
    # inbound mail with a bad signature
    mail = orjson.dumps({"from": "xiaomi-fan@mi.example", "subject": "hi", "text": "hello"})
    forged = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": "v1,AAAA",
    }
    bad = await client.post("/api/v1/desk/inbound/email", headers=forged, content=mail)
    assert_problem(bad, 401, "authentication-failed")
    # a duplicate is proposed: same customer, same order, within 24 hours
    first = await ok(await client.post(cases, headers=fan, json=theirs), 201)
    dup = await ok(await client.post(cases, headers=fan, json=theirs), 201)
    assert dup["duplicate_of"] == first["id"]


async def test_inbound_mail_threads_by_the_case_number_and_opens_new_cases(
    client: httpx.AsyncClient, desk_shop: Shop, clock: ManualClock
) -> None:
    await set_up_desk(client)
    fan, _ = await fan_with_order(client, clock)
    case = await ok(
        await client.post(
            "/api/v1/cases", headers=fan, json={"topic": "delivery", "message": "where?"}
        ),
        201,
    )

    async def mail(**fields: str) -> httpx.Response:
        body = orjson.dumps({"from": "Fan <xiaomi-fan@mi.example>", **fields})
        signed = Webhook(INBOUND_SECRET).sign("msg_1", clock.now(), body.decode())
        headers = {
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(clock.now().timestamp())),
            "webhook-signature": signed,
        }
        return await client.post("/api/v1/desk/inbound/email", headers=headers, content=body)

    # the signature's timestamp must be near the server's wall clock
    clock.set(clock.now().replace(year=2030))
    now = time.time()
    clock.advance(now - clock.now().timestamp())
    answered = await mail(
        subject=f"Re: [Case #{case['number']}] A reply", text="still waiting", message_id="<m1@x>"
    )
    assert (await ok(answered))["case_id"] == case["id"]
    again = await mail(
        subject="no number", text="and again", in_reply_to="<m1@x>", message_id="<m2@x>"
    )
    assert (await ok(again))["case_id"] == case["id"]
    fresh = await ok(await mail(subject="new question", text="hi", message_id="<m3@x>"), 201)
    assert fresh["opened"] is True and fresh["case_id"] != case["id"]
