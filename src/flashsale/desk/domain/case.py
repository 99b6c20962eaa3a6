"""A case: one customer's question, its messages, who has it and how its SLA clock stands.

Its life (after Zendesk's and Zammad's): ``new`` (nobody has answered yet) -> ``open`` (being
worked) <-> ``pending`` (waiting for the customer) / ``on_hold`` (waiting for someone else)
-> ``solved`` -> ``closed``. A customer writing to a solved case opens it again; a closed one
is final. The SLA clock is paused exactly while the case is pending or on hold.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flashsale.desk.domain import sla
from flashsale.desk.domain.sla import Priority, SlaPolicy, SlaStamps, WorkingTime
from flashsale.desk.errors import InvalidTransition
from flashsale.kernel.errors import InvalidInput

MAX_MESSAGE = 20_000
MAX_SUBJECT = 200
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone
NUMBER_LENGTH = 8


class CaseStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


class Channel(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"


class Topic(enum.StrEnum):
    PAYMENT = "payment"
    DELIVERY = "delivery"
    RETURN = "return"
    PRODUCT = "product"
    OTHER = "other"


class Author(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


ALLOWED: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset(
        {CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.ON_HOLD, CaseStatus.SOLVED}
    ),
    CaseStatus.OPEN: frozenset({CaseStatus.PENDING, CaseStatus.ON_HOLD, CaseStatus.SOLVED}),
    CaseStatus.PENDING: frozenset({CaseStatus.OPEN, CaseStatus.ON_HOLD, CaseStatus.SOLVED}),
    CaseStatus.ON_HOLD: frozenset({CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.SOLVED}),
    CaseStatus.SOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}
# An assigned case in these counts toward its agent's capacity: its SLA clock runs (as
# Freshdesk's load balancing counts only tickets whose timer is on).
LOADING = frozenset({CaseStatus.NEW, CaseStatus.OPEN})
PAUSED = frozenset({CaseStatus.PENDING, CaseStatus.ON_HOLD})
DONE = frozenset({CaseStatus.SOLVED, CaseStatus.CLOSED})


def new_number() -> str:
    """Eight letters of a 32-letter alphabet, five random bits each, drawn in one call: a
    draw per letter showed in the profile of a million contacts."""
    bits = secrets.randbits(5 * NUMBER_LENGTH)
    return "".join(NUMBER_ALPHABET[(bits >> (5 * i)) & 31] for i in range(NUMBER_LENGTH))


def message_body(text: str) -> str:
    """A message as stored: text (rendered escaped wherever it is shown), 1 to 20,000
    characters once trimmed."""
    body = text.strip()
    if not body:
        raise InvalidInput("a message needs some text")
    if len(body) > MAX_MESSAGE:
        raise InvalidInput(f"a message is at most {MAX_MESSAGE} characters, not {len(body)}")
    return body


@dataclass(frozen=True, slots=True)
class SuggestedAnswer:
    """What the record answered by itself, awaiting the customer's verdict."""

    code: str  # e.g. reservation_expired, payment_not_received, shipped
    text: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    number: str
    customer_id: str | None  # None: a mail from an address that is no customer's
    contact: str  # where replies go: the customer's e-mail address
    order_id: str | None
    channel: Channel
    topic: Topic
    language: str
    market: str
    queue: str
    priority: Priority
    status: CaseStatus
    created_at: datetime
    updated_at: datetime
    subject: str = ""
    assignee: str | None = None  # a staff id
    over_capacity: bool = False  # assigned by hand beyond the agent's capacity
    sla: SlaStamps = field(default_factory=SlaStamps)
    suggested: SuggestedAnswer | None = None
    awaiting_verdict: bool = False  # the customer has not accepted nor refused the answer
    deflected: bool = False  # solved by the record's answer, no person involved
    routed_at: datetime | None = None  # when it was handed to routing
    pending_until: datetime | None = None
    solved_at: datetime | None = None
    duplicate_of: str | None = None  # proposed: same customer and order within 24 h
    merged_into: str | None = None
    version: int = 0

    @property
    def waiting(self) -> bool:
        """In its queue's waiting line: routed, unassigned, and its clock running."""
        return self.routed_at is not None and self.assignee is None and self.status in LOADING

    @property
    def next_due(self) -> datetime | None:
        """When it breaches next, while its clock runs (what the sweeper searches by)."""
        if self.status in DONE or self.status in PAUSED or self.sla.paused:
            return None
        return self.sla.earliest_due()

    @property
    def loads_assignee(self) -> bool:
        return self.assignee is not None and self.status in LOADING

    def check_transition(self, to: CaseStatus) -> None:
        if to not in ALLOWED[self.status]:
            raise InvalidTransition(
                f"case {self.number} is {self.status}; it cannot become {to}", self.status.value
            )

    def moved(
        self,
        to: CaseStatus,
        at: datetime,
        clock: WorkingTime,
        *,
        pending_until: datetime | None = None,
    ) -> Case:
        """The case in status ``to``, its SLA clock paused or resumed to match."""
        self.check_transition(to)
        stamps = self.sla
        stamps = sla.paused(stamps, at) if to in PAUSED else sla.resumed(stamps, at, clock)
        if to in DONE:
            stamps = sla.resolved(stamps)
        return replace(
            self,
            status=to,
            sla=stamps,
            updated_at=at,
            pending_until=pending_until if to is CaseStatus.PENDING else None,
            solved_at=at if to is CaseStatus.SOLVED else self.solved_at,
            awaiting_verdict=False if to in DONE else self.awaiting_verdict,
        )

    def answered_by_agent(self, at: datetime) -> Case:
        """A public reply: the first response is made; a new case is open from now on."""
        return replace(
            self,
            sla=sla.agent_replied(self.sla, at),
            status=CaseStatus.OPEN if self.status is CaseStatus.NEW else self.status,
            updated_at=at,
        )

    def customer_wrote(self, at: datetime, policy: SlaPolicy, clock: WorkingTime) -> Case:
        """The customer wrote: a pending or solved case is open again and a reply is owed."""
        case = self
        if self.status in PAUSED or self.status is CaseStatus.SOLVED:
            case = self.moved(CaseStatus.OPEN, at, clock)
            if self.status is CaseStatus.SOLVED:  # reopened: the resolution is owed again
                due = clock.add(at, timedelta(minutes=policy.targets[self.priority].resolution))
                case = replace(case, sla=replace(case.sla, resolution_due=due), solved_at=None)
        stamps = sla.customer_wrote(case.sla, policy, case.priority, at, clock)
        return replace(case, sla=stamps, updated_at=at)

    def breached(self, names: tuple[str, ...]) -> Case:
        return replace(self, sla=replace(self.sla, breaches=self.sla.breaches + names))


@dataclass(frozen=True, slots=True)
class CaseMessage:
    id: str
    case_id: str
    author: Author
    author_id: str | None  # a staff id, a customer id; None for the system
    body: str
    internal: bool
    at: datetime
    email_message_id: str | None = None  # the Message-ID it came or went with
