"""The desk's repository contract, on memory, SQLite and PostgreSQL: set-up replaced by code,
cases added in batches, changes written only at their expected version (one per case a
batch), the router's cursor compared and set, views, the breach search, the case feed read by
cursor; and two routers racing on one record never assign a case twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from flashsale.desk.domain.calendar import Calendar
from flashsale.desk.domain.case import (
    Author,
    Case,
    CaseMessage,
    CaseStatus,
    Channel,
    SuggestedAnswer,
    Topic,
)
from flashsale.desk.domain.events import CaseEventKind, EventCursor, event_of
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import Priority, SlaPolicy, SlaStamps
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent, Queue
from flashsale.desk.ports import CaseChange, CaseQuery, CursorMove, NewCase, View
from flashsale.kernel.errors import Conflict
from flashsale.record.store import Store
from tests.contract.record_world import feed_caught_up

T0 = datetime(2015, 4, 8, 2, 0, tzinfo=UTC)
QUEUE = Queue("cn-zh", "CN", "zh", frozenset({Topic.PAYMENT, Topic.OTHER}), "std")


def a_case(n: int, **changes: object) -> Case:
    case = Case(
        id=f"case_{n:04d}",
        number=f"N{n:07d}",
        customer_id="cus_1",
        contact="fan@mi.example",
        order_id=None,
        channel=Channel.WEB,
        topic=Topic.PAYMENT,
        language="zh",
        market="CN",
        queue="cn-zh",
        priority=Priority.NORMAL,
        status=CaseStatus.NEW,
        created_at=T0 + timedelta(seconds=n),
        updated_at=T0 + timedelta(seconds=n),
        sla=SlaStamps(first_response_due=T0 + timedelta(hours=1)),
        routed_at=T0,
    )
    return replace(case, **changes)  # type: ignore[arg-type]


def opened(case: Case, mail_id: str | None = None) -> NewCase:
    message = CaseMessage(
        f"msg_{case.id}", case.id, Author.CUSTOMER, "cus_1", "你好 <b>", False, T0, mail_id
    )
    return NewCase(case, [message], [event_of(case, CaseEventKind.OPENED, "customer:cus_1", T0)])


async def test_set_up_is_replaced_by_its_code(store: Store) -> None:
    await store.put_desk_queue(QUEUE)
    await store.put_desk_queue(replace(QUEUE, language="en"))
    assert await store.desk_queues() == [replace(QUEUE, language="en")]
    policy = SlaPolicy.uniform("std", 60, 120, 480)
    await store.put_sla_policy(policy)
    assert await store.sla_policies() == [policy]
    calendar = Calendar.of(
        "CN", "Asia/Shanghai", {"mon": ["09:00-18:00"], "sat": ["10:00-24:00"]}, "CN",
        [date(2015, 4, 9)],
    )  # fmt: skip
    await store.put_desk_calendar(calendar)
    assert await store.desk_calendars() == [calendar]
    macro = Macro.checked("shipped", "Shipped", "{{ order.id }} ships", "solved")
    await store.put_macro(macro)
    assert await store.macros() == [macro]
    agent = DeskAgent(
        "stf_1", "CN", frozenset({"zh"}), frozenset({Topic.PAYMENT}), 8, AgentStatus.AVAILABLE, T0
    )
    event = event_of(a_case(0), CaseEventKind.AGENT, "admin", T0)
    await store.put_desk_agent(agent, event)
    await store.put_desk_agent(replace(agent, capacity=9), event)
    assert await store.desk_agents() == [replace(agent, capacity=9)]


async def test_cases_round_trip_whole_and_a_taken_number_refuses_the_batch(store: Store) -> None:
    case = a_case(
        1,
        suggested=SuggestedAnswer("shipped", "It shipped", "https://mi.example/orders/o"),
        awaiting_verdict=True,
        sla=SlaStamps(
            T0 + timedelta(hours=1), None, T0 + timedelta(hours=8), None, None, 12.5,
            ("first_response",),
        ),
    )  # fmt: skip
    await store.add_cases([opened(case, "<m1@x>")])
    assert (await store.cases_by_id([case.id]))[case.id] == case
    assert await store.case_by_number(case.number) == case
    assert await store.case_of_mail(["<zz@x>", "<m1@x>"]) == case.id
    messages = await store.messages_of_case(case.id)
    assert [m.body for m in messages] == ["你好 <b>"]
    with pytest.raises(Conflict):
        await store.add_cases([opened(a_case(2)), opened(a_case(3, number=case.number))])
    assert await store.cases_by_id([a_case(2).id]) == {}  # all or none


async def test_a_change_is_written_once_and_only_at_its_version(store: Store) -> None:
    case = a_case(1)
    await store.add_cases([opened(case)])
    first = CaseChange(replace(case, status=CaseStatus.OPEN, version=1), 0)
    twin = CaseChange(replace(case, status=CaseStatus.PENDING, version=1), 0)
    assert await store.change_cases([first, twin]) == {case.id}
    stored = (await store.cases_by_id([case.id]))[case.id]
    assert (stored.status, stored.version) == (CaseStatus.OPEN, 1)
    assert await store.change_cases([twin]) == set()  # stale
    assert (await store.cases_by_id([case.id]))[case.id].status is CaseStatus.OPEN


async def test_the_router_cursor_is_compared_and_set(store: Store) -> None:
    case = a_case(1)
    await store.add_cases([opened(case)])
    change = CaseChange(replace(case, assignee="stf_1", version=1), 0)
    to = EventCursor(0, 1)
    assert await store.change_cases([change], CursorMove("CN", None, to)) == {case.id}
    assert await store.router_cursor("CN") == to
    again = CaseChange(replace(case, assignee="stf_2", version=2), 1)
    assert await store.change_cases([again], CursorMove("CN", None, to)) is None
    assert await store.change_cases([again], CursorMove("CN", EventCursor(0, 9), to)) is None
    assert (await store.cases_by_id([case.id]))[case.id].assignee == "stf_1"  # nothing written


async def test_views_page_by_id_and_the_breach_search(store: Store) -> None:
    cases = [
        a_case(1, assignee="stf_1"),
        a_case(2),
        a_case(3, status=CaseStatus.SOLVED),
        a_case(4, queue="cn-en", market="CN"),
        a_case(5, status=CaseStatus.PENDING, sla=SlaStamps(T0, paused_since=T0)),
    ]
    await store.add_cases([opened(c) for c in cases])
    mine = await store.list_cases(CaseQuery(View.MINE, agent="stf_1"), None, 10)
    assert [c.id for c in mine] == ["case_0001"]
    queue = await store.list_cases(CaseQuery(View.QUEUE, queue="cn-zh"), None, 10)
    assert [c.id for c in queue] == ["case_0001", "case_0002", "case_0005"]
    page = await store.list_cases(CaseQuery(View.QUEUE, queue="cn-zh"), "case_0001", 1)
    assert [c.id for c in page] == ["case_0002"]
    unassigned = await store.list_cases(CaseQuery(View.UNASSIGNED), None, 10)
    assert [c.id for c in unassigned] == ["case_0002", "case_0004", "case_0005"]
    late = T0 + timedelta(hours=2)
    due = await store.cases_due(late, 10)
    assert [c.id for c in due] == ["case_0001", "case_0002", "case_0004"]  # not paused, solved
    assert await store.cases_due(T0, 10) == []
    live = await store.live_cases("CN")
    assert [c.id for c in live] == ["case_0001", "case_0002", "case_0004"]
    opened_ = await store.cases_opened("CN", T0, T0 + timedelta(seconds=3))
    assert [c.id for c in opened_] == ["case_0001", "case_0002"]


async def test_the_case_feed_is_read_by_cursor_per_market(store: Store) -> None:
    await store.add_cases([opened(a_case(n, market="CN" if n % 2 else "IN")) for n in range(1, 6)])
    await feed_caught_up(store, table="case_events")  # another process's transaction may hold it
    page = await store.read_case_events(EventCursor(), 2, "CN")
    assert [e.case_id for e in page.events] == ["case_0001", "case_0003"]
    rest = await store.read_case_events(page.next_cursor, 10, "CN")
    assert [e.case_id for e in rest.events] == ["case_0005"]
    empty = await store.read_case_events(rest.next_cursor, 10, "CN")
    assert empty.events == [] and empty.next_cursor == rest.next_cursor
    every = await store.read_case_events(EventCursor(), 10)
    assert len(every.events) == 5 and every.events[0].data["route"]["queue"] == "cn-zh"
    assert [e.kind for e in await store.events_of_case("case_0002")] == [CaseEventKind.OPENED]


async def test_two_routers_on_one_record_never_assign_a_case_twice(store: Store) -> None:
    """Two routers of one market, each believing it leads, race over 300 cases."""
    from flashsale.desk.service.router import MarketRouter
    from flashsale.desk.service.setup import DeskSetup
    from flashsale.kernel.clock import ManualClock
    from flashsale.platform.local_leadership import LocalLeadership

    await store.put_sla_policy(SlaPolicy.uniform("std", 60, 120, 480))
    await store.put_desk_queue(QUEUE)
    event = event_of(a_case(0), CaseEventKind.AGENT, "admin", T0)
    for n in range(10):
        agent = DeskAgent(
            f"stf_{n}", "CN", frozenset({"zh"}), frozenset({Topic.PAYMENT}), 20,
            AgentStatus.AVAILABLE, T0,
        )  # fmt: skip
        await store.put_desk_agent(agent, event)
    clock = ManualClock(T0)

    def router() -> MarketRouter:
        setup = DeskSetup(store, None, None, clock)  # type: ignore[arg-type]
        return MarketRouter("CN", store, setup, clock, LocalLeadership(), batch=25)

    first, second = router(), router()
    for wave in range(3):
        batch = [opened(a_case(wave * 100 + n + 1)) for n in range(100)]
        await store.add_cases(batch)
        for _ in range(4):
            await asyncio.gather(first.step(), second.step())
    assigned = [
        e.case_id
        for e in (await store.read_case_events(EventCursor(), 10_000, "CN")).events
        if e.kind is CaseEventKind.ASSIGNED
    ]
    assert len(assigned) == len(set(assigned)) == 200  # 10 agents x capacity 20
    cases = await store.live_cases("CN")
    loads: dict[str, int] = {}
    for case in cases:
        if case.assignee is not None:
            loads[case.assignee] = loads.get(case.assignee, 0) + 1
    assert sum(loads.values()) == 200 and max(loads.values()) == 20
