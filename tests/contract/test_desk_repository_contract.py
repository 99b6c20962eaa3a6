"""The desk's repository contract, on memory, SQLite and PostgreSQL: set-up replaced by code,
cases added in batches, changes written only at their expected version (one per case a
batch), the router's cursor compared and set, views, the breach search, the case feed read by
cursor; and two routers racing on one record never assign a case twice."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
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
from flashsale.desk.ports import CaseChange, CaseQuery, CursorMove, NewCase, RouterBatch, View
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
    # Told the case it was worked out on, the record may write what moved alone: the same.
    solved = replace(stored, status=CaseStatus.SOLVED, assignee="stf_1", solved_at=T0, version=2)
    assert await store.change_cases([CaseChange(solved, 1, before=stored)]) == {case.id}
    assert (await store.cases_by_id([case.id]))[case.id] == solved


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


async def test_routers_commit_together_and_a_moved_cursor_writes_nothing_of_its_own(
    store: Store,
) -> None:
    cn, es = a_case(1), a_case(2, market="ES", queue="es-es")
    await store.add_cases([opened(cn), opened(es)])
    await store.change_cases([], CursorMove("ES", None, EventCursor(0, 1)))
    to = EventCursor(0, 2)
    answers = await store.commit_routers(
        [
            RouterBatch(
                [CaseChange(replace(cn, assignee="stf_1", version=1), 0)],
                CursorMove("CN", None, to),
            ),
            RouterBatch(
                [CaseChange(replace(es, assignee="stf_2", version=1), 0)],
                CursorMove("ES", EventCursor(0, 9), to),  # moved by another router meanwhile
            ),
        ]
    )
    assert answers == [{cn.id}, None]
    found = await store.cases_by_id([cn.id, es.id])
    assert (found[cn.id].assignee, found[cn.id].version) == ("stf_1", 1)
    assert (found[es.id].assignee, found[es.id].version) == (None, 0)
    assert await store.router_cursor("CN") == to
    assert await store.router_cursor("ES") == EventCursor(0, 1)
    stale = CaseChange(replace(cn, assignee="stf_3", version=1), 0)
    assert await store.commit_routers([RouterBatch([stale], CursorMove("CN", to, to))]) == [set()]


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
    breaching = await store.list_cases(CaseQuery(View.BREACHING, now=late), None, 10)
    assert [c.id for c in breaching] == ["case_0001", "case_0002", "case_0004"]
    elsewhere = CaseQuery(View.QUEUE, queue="cn-zh", markets=frozenset({"IN", "ES"}))
    assert await store.list_cases(elsewhere, None, 10) == []
    here = CaseQuery(View.QUEUE, queue="cn-zh", markets=frozenset({"CN", "IN"}))
    assert [c.id for c in await store.list_cases(here, None, 10)] == [c.id for c in queue]
    nobody = await store.list_cases(CaseQuery(View.MINE), None, 10)  # no agent: none assigned
    assert [c.id for c in nobody] == ["case_0002", "case_0004", "case_0005"]
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
            await feed_caught_up(store, table="case_events")  # what either router may read
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


async def test_two_desks_routing_every_market_together_never_assign_a_case_twice(
    store: Store,
) -> None:
    """Two processes' routers of two markets, each committing its markets in one transaction
    (``route_together``), race over 420 cases."""
    from flashsale.desk.service.router import MarketRouter, route_together
    from flashsale.desk.service.setup import DeskSetup
    from flashsale.kernel.clock import ManualClock
    from flashsale.platform.local_leadership import LocalLeadership

    await store.put_sla_policy(SlaPolicy.uniform("std", 60, 120, 480))
    spain = Queue("es-es", "ES", "es", frozenset({Topic.PAYMENT}), "std")
    for queue in (QUEUE, spain):
        await store.put_desk_queue(queue)
    event = event_of(a_case(0), CaseEventKind.AGENT, "admin", T0)
    for n in range(15):
        market, language, capacity = ("CN", "zh", 20) if n < 10 else ("ES", "es", 10)
        agent = DeskAgent(
            f"stf_{n}", market, frozenset({language}), frozenset({Topic.PAYMENT}), capacity,
            AgentStatus.AVAILABLE, T0,
        )  # fmt: skip
        await store.put_desk_agent(agent, event)
    clock = ManualClock(T0)

    def routers() -> list[MarketRouter]:
        setup = DeskSetup(store, None, None, clock)  # type: ignore[arg-type]
        return [
            MarketRouter(m, store, setup, clock, LocalLeadership(), batch=25) for m in ("CN", "ES")
        ]

    first, second = routers(), routers()
    for wave in range(3):
        cn = [opened(a_case(wave * 1000 + n + 1)) for n in range(100)]
        es = [
            opened(a_case(wave * 1000 + n + 501, market="ES", queue="es-es", language="es"))
            for n in range(40)
        ]
        await store.add_cases(cn + es)
        for _ in range(4):
            await feed_caught_up(store, table="case_events")
            await asyncio.gather(route_together(first, store), route_together(second, store))
    for market, expected in (("CN", 200), ("ES", 50)):  # agents x capacity
        assigned = [
            e.case_id
            for e in (await store.read_case_events(EventCursor(), 10_000, market)).events
            if e.kind is CaseEventKind.ASSIGNED
        ]
        assert len(assigned) == len(set(assigned)) == expected
        loads: dict[str, int] = {}
        for case in await store.live_cases(market):
            if case.assignee is not None:
                loads[case.assignee] = loads.get(case.assignee, 0) + 1
        assert sum(loads.values()) == expected
        assert max(loads.values()) == (20 if market == "CN" else 10)


async def test_a_copy_another_process_outdated_is_worked_out_again_on_the_record(
    store: Store,
) -> None:
    """The desk assigns from the cases as it last wrote them; one changed since by another
    process is read again: still waiting, it is assigned at its new version; solved, it
    leaves the board unassigned."""
    from flashsale.desk.service.router import MarketRouter, route_together
    from flashsale.desk.service.setup import DeskSetup
    from flashsale.kernel.clock import ManualClock
    from flashsale.platform.local_leadership import LocalLeadership

    await store.put_sla_policy(SlaPolicy.uniform("std", 60, 120, 480))
    await store.put_desk_queue(QUEUE)
    away = DeskAgent(
        "stf_1", "CN", frozenset({"zh"}), frozenset({Topic.PAYMENT}), 5, AgentStatus.AWAY, T0
    )
    joined = event_of(a_case(0), CaseEventKind.AGENT, "admin", T0)
    await store.put_desk_agent(away, joined)
    waiting, solved = a_case(1), a_case(2)
    copies = {c.id: c for c in (waiting, solved)}  # as this process wrote them, version 0
    routed = [event_of(c, CaseEventKind.ROUTED, "system", T0) for c in (waiting, solved)]
    await store.add_cases([NewCase(waiting, (), routed[:1]), NewCase(solved, (), routed[1:])])
    clock = ManualClock(T0)
    setup = DeskSetup(store, None, None, clock)  # type: ignore[arg-type]
    router = MarketRouter("CN", store, setup, clock, LocalLeadership())
    await feed_caught_up(store, table="case_events")
    assert await route_together([router], store, copies.get) == 0  # both wait: nobody free
    # Another process: a customer's message on one (still waiting), a solve of the other,
    # their events not read by the board yet; then the agent comes back.
    wrote = replace(waiting, subject="more", version=1)
    done = replace(solved, status=CaseStatus.SOLVED, solved_at=T0, version=1)
    assert await store.change_cases([CaseChange(wrote, 0), CaseChange(done, 0)]) == {
        waiting.id,
        solved.id,
    }
    await store.put_desk_agent(replace(away, status=AgentStatus.AVAILABLE), joined)
    await feed_caught_up(store, table="case_events")
    assert await route_together([router], store, copies.get) == 1
    found = await store.cases_by_id([waiting.id, solved.id])
    assert (found[waiting.id].assignee, found[waiting.id].subject) == ("stf_1", "more")
    assert found[waiting.id].version == 2
    assert found[solved.id].assignee is None and found[solved.id].status is CaseStatus.SOLVED
    assert router.board is not None and not router.board.is_waiting(solved.id)


async def test_an_agents_view_read_on_the_loop_falls_back_to_the_reader_when_sqlite_is_busy(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flashsale.desk.adapters.sql_repository import SqlDeskRepository

    if not isinstance(store, SqlDeskRepository) or store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite reads an agent's own view on the event loop's thread")
    await store.add_cases([opened(a_case(1, assignee="stf_1")), opened(a_case(2))])
    mine = CaseQuery(View.MINE, agent="stf_1")
    assert [c.id for c in await store.list_cases(mine, None, 10)] == ["case_0001"]
    assert store._on_loop is not None  # read right there, not on the reader's thread

    def busy(*_: object) -> None:
        locked = sqlite3.OperationalError("database is locked")
        locked.sqlite_errorcode = sqlite3.SQLITE_BUSY
        raise locked

    monkeypatch.setattr(store, "_on_loop", _Refusing(busy))
    assert [c.id for c in await store.list_cases(mine, None, 10)] == ["case_0001"]

    def broken(*_: object) -> None:
        raise sqlite3.OperationalError("no such table: desk_cases")

    monkeypatch.setattr(store, "_on_loop", _Refusing(broken))
    with pytest.raises(sqlite3.OperationalError):  # only a taken lock goes to the reader
        await store.list_cases(mine, None, 10)


class _Refusing:
    """A connection whose every statement fails as ``fail`` says."""

    def __init__(self, fail: Callable[..., None]) -> None:
        self.execute = fail

    def close(self) -> None:
        pass
