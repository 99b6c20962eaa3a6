"""A hypothesis model of a desk's day: cases arrive, agents reply, cases go pending and come
back, are solved, agents come and go and change capacity. After every step:

- no agent holds more automatically assigned cases than their capacity;
- no case waits while an agent who could take it has room;
- each case's SLA clock is paused exactly while it is pending or on hold;
- the breaches recorded by the sweeper's rule equal those counted live from the due times.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from flashsale.desk.domain.calendar import Calendar
from flashsale.desk.domain.case import ALLOWED, LOADING, PAUSED, Case, CaseStatus, Channel, Topic
from flashsale.desk.domain.routing import Board
from flashsale.desk.domain.sla import Priority, SlaPolicy, newly_breached, started
from flashsale.desk.domain.staffing import AgentStatus, DeskAgent, Queue

T0 = datetime(2015, 4, 8, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
CALENDAR = Calendar.office_hours("CN", "Asia/Shanghai", "CN")
POLICY = SlaPolicy.uniform("std", 30, 60, 240)
TOPICS = (Topic.PAYMENT, Topic.DELIVERY)
QUEUES = {
    "zh": Queue("cn-zh", "CN", "zh", frozenset(TOPICS), "std"),
    "en": Queue("cn-en", "CN", "en", frozenset(TOPICS), "std"),
}
AGENTS = {
    "a": ("zh", TOPICS),
    "b": ("zh", (Topic.PAYMENT,)),
    "c": ("en", TOPICS),
    "d": ("zh,en", (Topic.DELIVERY,)),
}


class DeskDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.board = Board()
        self.board.put_queues(QUEUES.values())
        self.agents: dict[str, DeskAgent] = {}
        self.cases: dict[str, Case] = {}
        self.auto: dict[str, int] = {}
        self.breaches: dict[str, set[str]] = {}
        self.n = 0

    # -- the world moves ---------------------------------------------------------------------

    def _decide(self) -> None:
        for made in self.board.decide(self.now):
            case = self.cases[made.case_id]
            assert case.waiting
            held = sum(
                1 for c in self.cases.values() if c.assignee == made.agent_id and c.loads_assignee
            )
            agent = self.agents[made.agent_id]
            # no automatic assignment over capacity, nor to an agent not available
            assert held < agent.capacity and agent.status is AgentStatus.AVAILABLE
            self.cases[made.case_id] = replace(case, assignee=made.agent_id)

    def _tell(self, case: Case) -> None:
        """What the feed tells the board after a change of the case."""
        if case.status not in LOADING:
            self.board.case_released(case.id)
        elif case.assignee is not None:
            self.board.case_assigned(case.id, case.assignee, (case.queue, case.topic))
        elif case.routed_at is not None:
            self.board.case_waiting(
                case.id, case.queue, case.topic, case.priority.rank, case.sla.first_response_due
            )

    @rule(minutes=st.integers(1, 240))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        for case_id, case in self.cases.items():
            names = newly_breached(case.sla, self.now)
            if names:
                self.cases[case_id] = case.breached(names)
                self.breaches.setdefault(case_id, set()).update(names)

    @rule(
        language=st.sampled_from(["zh", "en"]), topic=st.sampled_from(TOPICS), urgent=st.booleans()
    )
    def a_case_arrives(self, language: str, topic: Topic, urgent: bool) -> None:
        self.n += 1
        priority = Priority.URGENT if urgent else Priority.NORMAL
        case = Case(
            f"case_{self.n:04d}",
            f"N{self.n:07d}",
            "cus",
            "fan@mi.example",
            None,
            Channel.WEB,
            topic,
            language,
            "CN",
            QUEUES[language].code,
            priority,
            CaseStatus.NEW,
            self.now,
            self.now,
            sla=started(POLICY, priority, self.now, CALENDAR),
            routed_at=self.now,
        )
        self.cases[case.id] = case
        self._tell(case)
        self._decide()

    @rule(
        name=st.sampled_from(sorted(AGENTS)),
        status=st.sampled_from(list(AgentStatus)),
        capacity=st.integers(1, 3),
    )
    def an_agent_comes_or_goes(self, name: str, status: AgentStatus, capacity: int) -> None:
        languages, topics = AGENTS[name]
        agent = DeskAgent(
            name,
            "CN",
            frozenset(languages.split(",")),
            frozenset(topics),
            capacity,
            status,
            self.now,
        )
        self.agents[name] = agent
        self.board.put_agent(agent)
        self._decide()

    def _assigned(self) -> list[str]:
        return sorted(c.id for c in self.cases.values() if c.assignee is not None)

    @precondition(lambda self: any(c.assignee for c in self.cases.values()))
    @rule(
        data=st.data(),
        to=st.sampled_from(
            [CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.ON_HOLD, CaseStatus.SOLVED]
        ),
    )
    def an_agent_moves_a_case(self, data: st.DataObject, to: CaseStatus) -> None:
        case = self.cases[data.draw(st.sampled_from(self._assigned()))]
        replied = case.answered_by_agent(self.now)
        if to not in ALLOWED[replied.status]:
            return
        moved = replied.moved(to, self.now, CALENDAR)
        self.cases[case.id] = moved
        self._tell(moved)
        self._decide()

    @precondition(lambda self: any(c.status in PAUSED for c in self.cases.values()))
    @rule(data=st.data())
    def the_customer_replies(self, data: st.DataObject) -> None:
        paused = sorted(c.id for c in self.cases.values() if c.status in PAUSED)
        case = self.cases[data.draw(st.sampled_from(paused))]
        back = case.customer_wrote(self.now, POLICY, CALENDAR)
        self.cases[case.id] = back
        self._tell(back)
        self._decide()

    # -- what must always hold ---------------------------------------------------------------

    @invariant()
    def no_case_waits_while_an_agent_who_could_take_it_has_room(self) -> None:
        for case in self.cases.values():
            if not case.waiting:
                continue
            queue = QUEUES[case.language]
            for agent in self.agents.values():
                room = agent.status is AgentStatus.AVAILABLE and (
                    self.board.load_of(agent.staff_id) < agent.capacity
                )
                assert not (room and agent.skilled_for(queue, case.topic)), (case.id, agent)

    @invariant()
    def the_clock_is_paused_exactly_while_pending_or_on_hold(self) -> None:
        for case in self.cases.values():
            assert case.sla.paused == (case.status in PAUSED)

    @invariant()
    def recorded_breaches_equal_the_live_count(self) -> None:
        for case in self.cases.values():
            assert set(case.sla.breaches) == self.breaches.get(case.id, set())

    @invariant()
    def the_board_loads_are_the_cases_loads(self) -> None:
        counted: dict[str, int] = {}
        for case in self.cases.values():
            if case.loads_assignee and case.assignee is not None:
                counted[case.assignee] = counted.get(case.assignee, 0) + 1
        for name in self.agents:
            assert self.board.load_of(name) == counted.get(name, 0)


DeskDay.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_desk_day = DeskDay.TestCase
