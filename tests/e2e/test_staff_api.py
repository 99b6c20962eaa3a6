"""Staff over HTTP on every record (memory, SQLite, PostgreSQL): adding members with roles, their
sessions, what each role may call, and every refusal a problem+json that leaves nothing behind."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, sale_body
from tests.e2e.test_bad_input import SignUp, assert_problem

shop = backends.shop
postgres_url = backends.postgres_url

STAFF = "/api/v1/admin/staff"
SESSIONS = "/api/v1/staff-sessions"
PASSWORD = "staff-pass-2015"
Headers = dict[str, str]


def staff_body(email: str = "asha@shop.example", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": email,
        "password": PASSWORD,
        "roles": ["agent"],
        "markets": ["IN"],
        "languages": ["en", "hi"],
    }
    body.update(overrides)
    return body


async def add_staff(client: httpx.AsyncClient, email: str, *roles: str) -> dict[str, Any]:
    added = await client.post(STAFF, headers=ADMIN, json=staff_body(email, roles=list(roles)))
    assert added.status_code == 201, added.text
    member: dict[str, Any] = added.json()
    return member


async def log_in(client: httpx.AsyncClient, email: str) -> Headers:
    session = await client.post(SESSIONS, json={"email": email, "password": PASSWORD})
    assert session.status_code == 200, session.text
    return {"Authorization": f"Bearer {session.json()['token']}"}


async def member_with(client: httpx.AsyncClient, *roles: str) -> Headers:
    email = f"{'-'.join(roles)}@shop.example"
    await add_staff(client, email, *roles)
    return await log_in(client, email)


async def listed(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await client.get(STAFF, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["staff"]
    return found


async def test_the_admin_token_adds_a_member_who_logs_in_with_their_email(
    client: httpx.AsyncClient,
) -> None:
    added = await client.post(STAFF, headers=ADMIN, json=staff_body(" Asha@Shop.EXAMPLE "))
    assert added.status_code == 201, added.text
    member = added.json()
    assert member["id"].startswith("stf_") and member["email"] == "asha@shop.example"
    assert (member["roles"], member["markets"], member["languages"]) == (
        ["agent"],
        ["IN"],
        ["en", "hi"],
    )
    assert member["active"] is True and "password" not in str(member)

    session = await client.post(SESSIONS, json={"email": "ASHA@shop.example", "password": PASSWORD})
    assert session.status_code == 200, session.text
    assert session.json()["staff"] == member
    assert await listed(client) == [member]


@pytest.mark.parametrize(
    ("overrides", "problem_type"),
    [
        ({"email": "not an email"}, "invalid-input"),
        ({"password": "short"}, "invalid-input"),
        ({"roles": ["boss"]}, "validation-error"),
        ({"roles": []}, "validation-error"),
        ({"roles": "admin"}, "validation-error"),
        ({"markets": ["XX"]}, "invalid-input"),
        ({"markets": ["IND"]}, "invalid-input"),
        ({"languages": ["english"]}, "invalid-input"),
        ({"languages": ["en\x00"]}, "validation-error"),
        ({"surprise": True}, "validation-error"),
    ],
)
async def test_bad_input_is_refused_with_422_and_stores_nothing(
    client: httpx.AsyncClient, overrides: dict[str, Any], problem_type: str
) -> None:
    answer = await client.post(STAFF, headers=ADMIN, json=staff_body(**overrides))
    assert_problem(answer, 422, problem_type)
    assert await listed(client) == []


async def test_a_taken_email_in_any_case_is_409_and_stores_nothing(
    client: httpx.AsyncClient,
) -> None:
    first = await add_staff(client, "asha@shop.example", "agent")
    again = await client.post(STAFF, headers=ADMIN, json=staff_body("ASHA@shop.example"))
    assert_problem(again, 409, "conflict")
    assert await listed(client) == [first]


async def test_a_wrong_password_is_401_and_a_disabled_member_403(
    client: httpx.AsyncClient,
) -> None:
    member = await add_staff(client, "asha@shop.example", "agent")
    wrong = await client.post(SESSIONS, json={"email": "asha@shop.example", "password": "nope!!!!"})
    assert_problem(wrong, 401, "authentication-failed")
    await client.post(f"{STAFF}/{member['id']}/disable", headers=ADMIN)
    disabled = await client.post(
        SESSIONS, json={"email": "asha@shop.example", "password": PASSWORD}
    )
    assert_problem(disabled, 403, "forbidden")


async def test_each_endpoint_takes_the_roles_it_declares(client: httpx.AsyncClient) -> None:
    clerk = await member_with(client, "clerk")
    supervisor = await member_with(client, "supervisor")
    admin = await member_with(client, "admin")
    before = await listed(client)

    for caller in (clerk, supervisor):
        answer = await client.post(STAFF, headers=caller, json=staff_body("new@shop.example"))
        assert_problem(answer, 403, "forbidden")
        target = before[0]["id"]
        assert_problem(
            await client.post(f"{STAFF}/{target}/disable", headers=caller), 403, "forbidden"
        )
    assert_problem(await client.get(STAFF, headers=clerk), 403, "forbidden")
    assert (await client.get(STAFF, headers=supervisor)).status_code == 200
    assert await listed(client) == before

    added = await client.post(STAFF, headers=admin, json=staff_body("new@shop.example"))
    assert added.status_code == 201, added.text
    assert (await client.get(STAFF, headers=admin)).status_code == 200


async def test_a_staff_admin_calls_the_admin_endpoints_and_other_roles_do_not(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    admin = await member_with(client, "admin")
    warehouse = await member_with(client, "warehouse")
    product = {
        "name": "Mi Band 2",
        "variants": [{"sku": "MIBAND2", "attributes": {}, "prices": {"IN": "999.00"}}],
    }
    refused = await client.post("/api/v1/admin/products", headers=warehouse, json=product)
    assert_problem(refused, 403, "forbidden")
    assert await shop.catalog.products() == []
    created = await client.post("/api/v1/admin/products", headers=admin, json=product)
    assert created.status_code == 201, created.text
    sale = await client.post("/api/v1/admin/sales", headers=admin, json=sale_body())
    assert sale.status_code == 201, sale.text
    assert (await client.get("/metrics", headers=admin)).status_code == 200
    assert_problem(await client.get("/metrics", headers=warehouse), 403, "forbidden")


async def test_a_staff_token_on_a_customer_route_is_403(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    fan = await sign_up("fan@example.com")
    sale = await client.post("/api/v1/admin/products", headers=ADMIN, json={
        "name": "Mi Band 2",
        "variants": [{"sku": "MIBAND2", "attributes": {}, "prices": {"IN": "999.00"}}],
    })  # fmt: skip
    assert sale.status_code == 201
    sale_id = (await client.post("/api/v1/admin/sales", headers=ADMIN, json=sale_body())).json()[
        "id"
    ]
    staff = await member_with(client, "admin")
    for method, path in [
        ("GET", "/api/v1/orders"),
        ("GET", "/api/v1/orders/ord_x"),
        ("DELETE", "/api/v1/sessions"),
        ("DELETE", "/api/v1/customers/me/sessions"),
        ("POST", f"/api/v1/sales/{sale_id}/registrations"),
        ("POST", f"/api/v1/sales/{sale_id}/purchases"),
    ]:
        answer = await client.request(method, path, headers=staff)
        assert_problem(answer, 403, "forbidden")
        assert answer.json()["detail"] == "a staff token is not a customer session", path
    # The customer's own session is untouched, and a token that is neither is still 401.
    assert (await client.get("/api/v1/orders", headers=fan)).status_code == 200
    nobody = {"Authorization": "Bearer nobody"}
    assert_problem(await client.get("/api/v1/orders", headers=nobody), 401, "authentication-failed")


async def test_a_customer_token_on_a_staff_route_is_403(
    client: httpx.AsyncClient, sign_up: SignUp
) -> None:
    fan = await sign_up("fan@example.com")
    member = await add_staff(client, "asha@shop.example", "agent")
    for method, path in [
        ("GET", STAFF),
        ("POST", STAFF),
        ("POST", f"{STAFF}/{member['id']}/disable"),
        ("DELETE", SESSIONS),
        ("POST", "/api/v1/admin/sales"),
    ]:
        answer = await client.request(method, path, headers=fan, json=staff_body("x@shop.example"))
        assert_problem(answer, 403, "forbidden")
        assert answer.json()["detail"] == "a customer session is not a staff token", path
    assert [m["active"] for m in await listed(client)] == [True]


async def test_without_a_token_a_staff_route_is_401(client: httpx.AsyncClient) -> None:
    for method, path in [("GET", STAFF), ("POST", STAFF), ("DELETE", SESSIONS)]:
        assert_problem(await client.request(method, path), 401, "authentication-failed")
    admin_token_has_no_session = await client.delete(SESSIONS, headers=ADMIN)
    assert_problem(admin_token_has_no_session, 403, "forbidden")


async def test_logging_out_ends_that_staff_session_only(client: httpx.AsyncClient) -> None:
    await add_staff(client, "asha@shop.example", "supervisor")
    phone, desk = (
        await log_in(client, "asha@shop.example"),
        await log_in(client, "asha@shop.example"),
    )
    assert (await client.delete(SESSIONS, headers=phone)).status_code == 204
    assert_problem(await client.get(STAFF, headers=phone), 401, "authentication-failed")
    assert_problem(await client.delete(SESSIONS, headers=phone), 401, "authentication-failed")
    assert (await client.get(STAFF, headers=desk)).status_code == 200


async def test_disabling_a_member_ends_every_session_of_theirs(client: httpx.AsyncClient) -> None:
    member = await add_staff(client, "asha@shop.example", "supervisor")
    sessions = [await log_in(client, "asha@shop.example") for _ in range(2)]
    other = await member_with(client, "supervisor")
    disabled = await client.post(f"{STAFF}/{member['id']}/disable", headers=ADMIN)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json() == {**member, "active": False}
    for session in sessions:
        assert_problem(await client.get(STAFF, headers=session), 401, "authentication-failed")
    assert (await client.get(STAFF, headers=other)).status_code == 200
    missing = await client.post(f"{STAFF}/stf_nobody/disable", headers=ADMIN)
    assert_problem(missing, 404, "not-found")


async def test_the_document_names_the_roles_each_endpoint_takes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert paths[STAFF]["post"]["security"] == [{"adminToken": []}, {"staffToken": ["admin"]}]
    assert paths[STAFF]["get"]["security"] == [
        {"adminToken": []},
        {"staffToken": ["admin", "supervisor"]},
    ]
    assert paths[SESSIONS]["delete"]["security"] == [{"staffToken": []}]
    assert "security" not in paths[SESSIONS]["post"]
    assert "403" in paths["/api/v1/orders"]["get"]["responses"]
