"""A till's sale returned in parts over HTTP (memory and SQLite; the record's guard is checked
on PostgreSQL too by tests/contract/test_store_partial_returns.py): 3 bands bought, 1 brought
back, then 2 more; a further one is 422 naming what was bought, what came back and what was
asked, and changes nothing."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import ADMIN
from tests.e2e.test_bad_input import assert_problem
from tests.e2e.test_pos_api import SALES, Headers, at_till, cash, on_hand, sell

__all__ = ["at_till"]  # the fixture: a clerk at Mi Home Bengaluru's till, 3 bands on the shelf


async def test_a_line_is_returned_in_two_parts_and_never_past_what_was_bought(
    client: httpx.AsyncClient, at_till: Headers
) -> None:
    sold = await sell(client, at_till, cash("3000.00", quantity=3))
    assert sold.status_code == 201, sold.text
    returns = f"{SALES}/{sold.json()['sale_id']}/returns"

    def back(units: int, restock: bool = True) -> dict[str, object]:
        return {"lines": [{"sku": "MIBAND2", "quantity": units}], "restock": restock}

    first = await client.post(returns, headers=at_till, json=back(1))
    assert first.status_code == 201, first.text
    assert first.json()["refund"]["text"] == "₹999.00"
    second = await client.post(returns, headers=at_till, json=back(2, restock=False))
    assert second.status_code == 201, second.text
    assert second.json()["refund"]["text"] == "₹1,998.00"
    third = await client.post(returns, headers=at_till, json=back(1))
    assert_problem(third, 422, "return-exceeds-sale")
    problem = third.json()
    assert (problem["sold"], problem["returned_before"], problem["asked"]) == (3, 3, 1)
    assert "sold 3 of MIBAND2" in problem["detail"] and "1 asked" in problem["detail"]
    assert await on_hand(client) == 1  # 3 − 3 sold + 1 restocked (2 written off)
    audit = await client.get("/api/v1/admin/stock/audit", headers=ADMIN)
    assert audit.json()["clean"] is True, audit.text
