"""Routing decided on the board: skills, capacity, least load, ties to the longest idle, the
waiting line's order, and freed capacity taking the head at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from flashsale.desk.domain.case import Topic
from flashsale.desk.domain.routing import Assignment, Board
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent, Queue

T0 = datetime(2015, 4, 8, 2, 0, tzinfo=UTC)
ZH = Queue("cn-zh", "CN", "zh", frozenset({Topic.PAYMENT, Topic.DELIVERY}), "std")
EN = Queue("cn-en", "CN", "en", frozenset({Topic.PAYMENT, Topic.DELIVERY}), "std")


def agent(
    name: str,
    *,
    languages: str = "zh",
    topics: tuple[Topic, ...] = (Topic.PAYMENT, Topic.DELIVERY),
    capacity: int = 2,
    status: AgentStatus = AgentStatus.AVAILABLE,
    idle: int = 0,
    market: str = "CN",
) -> DeskAgent:
    return DeskAgent(
        name,
        market,
        frozenset(languages.split(",")),
        frozenset(topics),
        capacity,
        status,
        T0 - timedelta(minutes=idle),
    )


@dataclass
class Case:
    id: str
    queue: str = "cn-zh"
    topic: Topic = Topic.PAYMENT
    rank: int = 2
    due_minutes: int = 60


@dataclass
class Row:
    name: str
    agents: list[DeskAgent]
    cases: list[Case]
    expected: dict[str, str | None]  # case -> agent, None: waits
    preload: dict[str, int] = field(default_factory=dict)


ROWS = [
    Row("one agent, one case", [agent("a")], [Case("c1")], {"c1": "a"}),
    Row(
        "language: the English case goes to the English speaker",
        [agent("zh"), agent("en", languages="en")],
        [Case("c1", queue="cn-en")],
        {"c1": "en"},
    ),
    Row(
        "topic: a delivery case skips the payment-only agent",
        [agent("pay", topics=(Topic.PAYMENT,), idle=60), agent("both")],
        [Case("c1", topic=Topic.DELIVERY)],
        {"c1": "both"},
    ),
    Row(
        "least loaded first",
        [agent("busy", idle=90), agent("free")],
        [Case("c1")],
        {"c1": "free"},
        preload={"busy": 1},
    ),
    Row(
        "ties go to the one idle longest",
        [agent("recent", idle=1), agent("longest", idle=30), agent("mid", idle=10)],
        [Case("c1")],
        {"c1": "longest"},
    ),
    Row(
        "capacity: the third case waits",
        [agent("a", capacity=2)],
        [Case("c1"), Case("c2"), Case("c3")],
        {"c1": "a", "c2": "a", "c3": None},
    ),
    Row(
        "away and offline agents take nothing",
        [agent("away", status=AgentStatus.AWAY), agent("off", status=AgentStatus.OFFLINE)],
        [Case("c1")],
        {"c1": None},
    ),
    Row(
        "another market's agent takes nothing",
        [agent("in", market="IN")],
        [Case("c1")],
        {"c1": None},
    ),
    Row(
        "the waiting line: priority first, then the first response due",
        [agent("a", capacity=2)],
        [
            Case("late-normal", due_minutes=90),
            Case("soon-normal", due_minutes=30),
            Case("urgent", rank=0, due_minutes=120),
        ],
        {"urgent": "a", "soon-normal": "a", "late-normal": None},
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_routing_table(row: Row) -> None:
    board = Board()
    board.put_queues([ZH, EN])
    for a in row.agents:
        board.put_agent(a)
    for name, count in row.preload.items():
        for n in range(count):
            board.case_assigned(f"pre-{name}-{n}", name, ("cn-zh", Topic.PAYMENT))
    for case in row.cases:
        board.case_waiting(
            case.id, case.queue, case.topic, case.rank, T0 + timedelta(minutes=case.due_minutes)
        )
    made = {a.case_id: a.agent_id for a in board.decide(T0)}
    assert {c: made.get(c) for c in row.expected} == row.expected


def test_freed_capacity_takes_the_head_of_the_line_at_once() -> None:
    board = Board()
    board.put_queues([ZH])
    board.put_agent(agent("a", capacity=1))
    for n, due in enumerate((50, 10, 30)):
        board.case_waiting(f"c{n}", "cn-zh", Topic.PAYMENT, 2, T0 + timedelta(minutes=due))
    assert board.decide(T0) == [Assignment("c1", "a")]  # the earliest due
    assert board.waiting_in_order(("cn-zh", Topic.PAYMENT)) == ["c2", "c0"]
    board.case_released("c1")  # solved
    assert board.decide(T0) == [Assignment("c2", "a")]
    board.case_released("c2")
    assert board.decide(T0) == [Assignment("c0", "a")]
    assert board.decide(T0) == []


def test_an_agent_coming_online_takes_the_waiting_cases_up_to_capacity() -> None:
    board = Board()
    board.put_queues([ZH])
    board.put_agent(agent("a", capacity=2, status=AgentStatus.OFFLINE))
    for n in range(3):
        board.case_waiting(f"c{n}", "cn-zh", Topic.PAYMENT, 2, T0 + timedelta(minutes=n))
    assert board.decide(T0) == []
    board.put_agent(agent("a", capacity=2))
    assert [a.case_id for a in board.decide(T0)] == ["c0", "c1"]
    assert board.load_of("a") == 2 and board.waiting_count() == 1


def test_raising_capacity_takes_more_and_telling_twice_counts_once() -> None:
    board = Board()
    board.put_queues([ZH])
    board.put_agent(agent("a", capacity=1))
    board.case_waiting("c0", "cn-zh", Topic.PAYMENT, 2, T0)
    board.case_waiting("c1", "cn-zh", Topic.PAYMENT, 2, T0 + timedelta(minutes=1))
    assert [a.case_id for a in board.decide(T0)] == ["c0"]
    board.case_assigned("c0", "a")  # the feed tells the board what it decided: no change
    assert board.load_of("a") == 1
    board.put_agent(agent("a", capacity=2))
    assert [a.case_id for a in board.decide(T0)] == ["c1"]


def test_a_manual_assignment_over_capacity_counts_and_blocks_automatic_ones() -> None:
    board = Board()
    board.put_queues([ZH])
    board.put_agent(agent("a", capacity=1))
    board.case_assigned("m1", "a", ("cn-zh", Topic.PAYMENT))
    board.case_assigned("m2", "a", ("cn-zh", Topic.PAYMENT))
    board.case_waiting("c0", "cn-zh", Topic.PAYMENT, 2, T0)
    assert board.decide(T0) == []
    board.case_released("m1")
    assert board.decide(T0) == []  # still at capacity: 1 of 1
    board.case_released("m2")
    assert board.decide(T0) == [Assignment("c0", "a")]
