"""A market's time zone on every record: set and read over the API (a bad zone a 422 that
changes nothing), and the pages that know the market showing its times in it, 04:30 UTC as
10:00 in India; the checkout's country and region selects."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from flashsale.bootstrap import Shop
from flashsale.kernel.clock import ManualClock
from tests.e2e import backends
from tests.e2e.conftest import ADMIN, T0
from tests.e2e.test_bad_input import CreateSale, assert_problem
from tests.e2e.test_web_pages import buy, console_log_in, csrf_of, form_post, sign_up

shop = backends.shop
postgres_url = backends.postgres_url

MARKETS = "/api/v1/admin/markets"
INDIA = {"code": "IN", "name": "India", "currency": "INR", "locale": "en_IN"}
OPENING_SAID_IN_INDIA = "today at 10:00\u202fAM IST"  # the sale opens at 04:30 UTC


async def markets_by_code(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    listed = await client.get("/api/v1/markets")
    assert listed.status_code == 200, listed.text
    return {m["code"]: m for m in listed.json()["markets"]}


async def in_kolkata(client: httpx.AsyncClient) -> None:
    put = await client.post(MARKETS, headers=ADMIN, json={**INDIA, "timezone": "Asia/Kolkata"})
    assert put.status_code == 200, put.text


async def test_a_markets_zone_is_set_read_and_kept_when_left_out(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    assert (await markets_by_code(client))["IN"]["timezone"] == "UTC"  # none given: UTC
    put = await client.post(MARKETS, headers=ADMIN, json={**INDIA, "timezone": "Asia/Kolkata"})
    assert put.status_code == 200 and put.json() == {**INDIA, "timezone": "Asia/Kolkata"}
    assert (await markets_by_code(client))["IN"]["timezone"] == "Asia/Kolkata"

    renamed = await client.post(MARKETS, headers=ADMIN, json={**INDIA, "name": "Bharat"})
    assert renamed.status_code == 200 and renamed.json()["timezone"] == "Asia/Kolkata"
    null = await client.post(MARKETS, headers=ADMIN, json={**INDIA, "timezone": None})
    assert null.status_code == 200 and null.json()["timezone"] == "Asia/Kolkata"

    greece = {"code": "gr", "name": "Greece", "currency": "eur", "locale": "el_GR"}
    added = await client.post(MARKETS, headers=ADMIN, json={**greece, "timezone": "Europe/Athens"})
    assert added.status_code == 201 and added.json()["timezone"] == "Europe/Athens"
    new = await client.post(MARKETS, headers=ADMIN, json={**greece, "code": "ID", "name": "Id"})
    assert new.status_code == 201 and new.json()["timezone"] == "UTC"
    market = await shop.catalog.market("GR")
    assert market.timezone == "Europe/Athens"


@pytest.mark.parametrize(
    ("timezone", "problem"),
    [
        ("Mars/Olympus_Mons", "invalid-input"),
        ("asia/kolkata", "invalid-input"),
        ("IST", "invalid-input"),
        ("+05:30", "invalid-input"),
        ("localtime", "invalid-input"),
        ("../../etc/passwd", "invalid-input"),
        ("", "validation-error"),
        ("A" * 65, "validation-error"),
        ("Asia/\x00Kolkata", "validation-error"),
        (330, "validation-error"),
        (["Asia/Kolkata"], "validation-error"),
    ],
)
async def test_a_bad_zone_is_422_naming_it_and_changes_nothing(
    client: httpx.AsyncClient, shop: Shop, timezone: Any, problem: str
) -> None:
    await in_kolkata(client)
    for body in ({**INDIA, "timezone": timezone}, {**INDIA, "code": "JP", "timezone": timezone}):
        answer = await client.post(MARKETS, headers=ADMIN, json=body)
        assert_problem(answer, 422, problem)
        found = answer.json()
        if problem == "validation-error":
            assert [e["loc"][0] for e in found["errors"]] == ["timezone"], found
        else:
            assert found["detail"].startswith("timezone: "), found
    markets = await markets_by_code(client)
    assert markets["IN"] == {**INDIA, "timezone": "Asia/Kolkata"} and "JP" not in markets


async def test_pages_that_know_the_market_show_its_times_in_its_zone(
    client: httpx.AsyncClient, clock: ManualClock, create_sale: CreateSale
) -> None:
    await in_kolkata(client)
    sale = await create_sale()  # opens at 04:30 UTC
    sale_id = sale["id"]
    page = await client.get(f"/sales/{sale_id}")
    assert OPENING_SAID_IN_INDIA in page.text  # said from today (8:30 AM there), zone named
    assert "India Time (Asia/Kolkata)" in page.text
    # The machine-readable time stays UTC.
    assert '<time datetime="2015-05-12T04:30:00+00:00"' in page.text
    assert "04:30:00 UTC" not in page.text
    assert OPENING_SAID_IN_INDIA in (await client.get("/shop/IN")).text

    await sign_up(client)
    await form_post(client, f"/sales/{sale_id}", f"/sales/{sale_id}/register", {})
    clock.set(T0.replace(hour=4, minute=30))
    checkout_path = (await buy(client, sale_id)).headers["HX-Redirect"]
    order_id = checkout_path.rsplit("/", 1)[1]
    checkout = await client.get(checkout_path)
    assert "today at 10:01\u202fAM IST" in checkout.text  # paid for by 04:31 UTC
    history = (await client.get(f"/orders/{order_id}")).text
    assert "reserved; payment due before 12 May 2015, 10:01:00\u202fAM IST" in history
    assert "10:00:00\u202fAM IST" in (await client.get("/orders")).text

    await console_log_in(client)
    for path in (
        "/console/sales",
        f"/console/sales/{sale_id}",
        f"/console/orders?sale={sale_id}",
        f"/console/orders/{order_id}",
    ):
        shown = await client.get(path)
        assert shown.status_code == 200, (path, shown.text)
        found = re.search(r"(12 May 2015, |today at )10:0[01](:00)?\u202fAM IST", shown.text)
        assert found, path
        assert "(UTC)" not in shown.text, path


async def test_the_checkout_offers_the_markets_regions_and_keeps_the_choice(
    client: httpx.AsyncClient, clock: ManualClock, create_sale: CreateSale, shop: Shop
) -> None:
    sale = await create_sale()
    await sign_up(client)
    await form_post(client, f"/sales/{sale['id']}", f"/sales/{sale['id']}/register", {})
    clock.set(T0.replace(hour=4, minute=30))
    checkout_path = (await buy(client, sale["id"])).headers["HX-Redirect"]
    order_id = checkout_path.rsplit("/", 1)[1]
    checkout = await client.get(checkout_path)
    assert '<option value="IN" selected>India</option>' in checkout.text  # the sale's market
    assert '<option value="IN-KA">Karnātaka</option>' in checkout.text
    assert '<optgroup label="Union territory">' in checkout.text

    # The region select redrawn for another country, as htmx asks for it.
    greece = await client.get(f"{checkout_path}?country=gr")
    assert '<option value="GR" selected>Greece</option>' in greece.text
    assert '<option value="GR-I">Attikí</option>' in greece.text
    assert "IN-KA" not in greece.text
    aruba = await client.get(f"{checkout_path}?country=AW")
    assert '<input type="hidden" name="region" value="">' in aruba.text

    typed = {
        "recipient": "Asha Rao",
        "line1": "12 MG Road",
        "city": "Bengaluru",
        "postal_code": "560001",
        "phone": "+91 80 1234 5678",
        "card": "4242 4242 4242 4242",
    }
    for chosen, refusal in (
        ({"country": "IN", "region": ""}, "region: an address in India needs its region"),
        ({"country": "GR", "region": "IN-KA"}, "region: &#39;IN-KA&#39; is not one of Greece"),
        ({"country": "ZZ", "region": ""}, "country: &#39;ZZ&#39; is not an ISO 3166-1"),
    ):
        sent = {"csrf_token": csrf_of(checkout), **typed, **chosen}
        refused = await client.post(checkout_path, data=sent)
        assert refused.status_code == 422 and refusal in refused.text, refused.text
        assert 'value="Bengaluru"' in refused.text
        if chosen["country"] == "GR":  # back with the country chosen and its own regions
            assert '<option value="GR" selected>Greece</option>' in refused.text
            assert '<option value="GR-I">Attikí</option>' in refused.text
    assert await shop.shipping.address_of(order_id) is None

    sent = {"csrf_token": csrf_of(checkout), **typed, "country": "IN", "region": "IN-KA"}
    paid = await client.post(checkout_path, data=sent)
    assert paid.status_code == 303, paid.text
    order_page = (await client.get(f"/orders/{order_id}")).text
    # As India writes an address: city and PIN, then the state, then the country.
    assert "Bengaluru 560001" in order_page and "Karnātaka" in order_page
    assert order_page.index("Bengaluru 560001") < order_page.index("Karnātaka")
    stored = await shop.shipping.address_of(order_id)
    assert stored is not None and (stored.country, stored.region) == ("IN", "IN-KA")
