"""What every contact and every reply asks of the record goes in batches: the self-service
question "has this customer ordered?" is one read for a burst of contacts, and the replies'
mails one outbox write for a burst of replies (a mail the notifier refuses is refused alone)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import cast

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.catalog.market import Market
from flashsale.desk.domain.case import Channel, Topic
from flashsale.desk.domain.events import CaseEvent, CaseEventKind
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent
from flashsale.desk.service.cases import Opening
from flashsale.desk.service.order_lookup import OrderLookup
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import InvalidInput
from flashsale.notifications.domain.message import Message
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.refunds import Refunds
from tests.conftest import fast_settings

T0 = datetime(2015, 4, 8, 2, 0, tzinfo=UTC)


class CountingOrders:
    def __init__(self, ordered: set[str]) -> None:
        self.ordered = ordered
        self.reads: list[list[str]] = []

    async def customers_with_orders(self, customer_ids: Sequence[str]) -> set[str]:
        self.reads.append(list(customer_ids))
        return {c for c in customer_ids if c in self.ordered}


async def test_a_burst_of_contacts_asks_whether_they_ordered_in_one_read() -> None:
    orders = CountingOrders({"cus_3", "cus_7"})
    lookup = OrderLookup(
        cast(Orders, orders),
        cast(Refunds, None),
        cast(OrderEvents, None),
        public_url="https://mi.example",
    )
    asked = [f"cus_{n}" for n in range(20)]
    answers = await asyncio.gather(*(lookup.has_orders(c) for c in asked))
    assert answers == [c in {"cus_3", "cus_7"} for c in asked]
    assert len(orders.reads) == 1


@pytest.fixture
async def shop() -> AsyncIterator[Shop]:
    shop = await build_shop(fast_settings(), clock=ManualClock(T0))
    try:
        await shop.catalog.add_markets([Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai")])
        desk = shop.desk
        await desk.setup.set_sla_policy("day", {"*": (30, 60, 240)})
        week = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        await desk.setup.set_calendar("CN", week)
        await desk.setup.add_queue("cn-zh", "CN", "zh", ["delivery"], "day")
        await desk.setup.add_macro("sent", "Sent", "Case {{ case.number }} is on its way.")
        agent = DeskAgent(
            "stf_1", "CN", frozenset({"zh"}), frozenset(Topic), 50, AgentStatus.AVAILABLE, T0
        )
        event = CaseEvent(CaseEventKind.AGENT, T0, "admin", "CN", None, {"agent": "stf_1"})
        await shop.store.put_desk_agent(agent, event)
        yield shop
    finally:
        await shop.aclose()


async def test_a_burst_of_replies_mails_through_one_outbox_write(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = shop.desk
    cases = [
        await desk.cases.open(
            Opening(
                f"cus_{n}", f"fan{n}@mi.example", "CN", "zh", "delivery", "where is it?",
                channel=Channel.WEB, self_service=False,
            )
        )
        for n in range(12)
    ]  # fmt: skip
    assert await desk.route() == 12
    writes: list[list[Message]] = []
    send = shop.notifications.send

    async def counted(messages: Sequence[Message]) -> None:
        writes.append(list(messages))
        if any(m.to == "fan5@mi.example" for m in messages):
            raise InvalidInput("the outbox refuses this one")
        await send(messages)

    monkeypatch.setattr(shop.notifications, "send", counted)
    replies = await asyncio.gather(
        *(desk.work.reply(None, c.id, macro="sent") for c in cases), return_exceptions=True
    )
    refused = [r for r in replies if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], InvalidInput)
    assert len(writes[0]) == 12  # the burst, then each alone once one of it was refused
    assert sorted(len(w) for w in writes[1:]) == [1] * 12


async def test_a_taken_number_is_drawn_again_and_refuses_no_other_case_of_its_batch(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashsale.desk.service import cases as cases_module

    drawn = iter(["TAKEN222", "TAKEN222", "TAKEN222", "FRESH333", "FRESH444"])
    monkeypatch.setattr(cases_module, "new_number", lambda: next(drawn))
    opened = await asyncio.gather(
        *(
            shop.desk.cases.open(
                Opening(
                    f"cus_{n}", f"fan{n}@mi.example", "CN", "zh", "delivery", "where is it?",
                    channel=Channel.WEB, self_service=False,
                )
            )
            for n in range(3)
        )
    )  # fmt: skip
    numbers = sorted(c.number for c in opened)
    assert numbers == ["FRESH333", "FRESH444", "TAKEN222"]
    stored = await shop.store.cases_by_id([c.id for c in opened])
    assert sorted(c.number for c in stored.values()) == numbers
