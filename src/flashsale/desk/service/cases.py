"""Cases: opened by customers (the order page, the web form, e-mail) or logged by agents (a
phone call), answered first from the record, else routed; messages, replies and status."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flashsale.catalog.market import Market
from flashsale.catalog.service import Catalog
from flashsale.customers.accounts import Accounts
from flashsale.desk.domain.case import (
    Author,
    Case,
    CaseMessage,
    CaseStatus,
    Channel,
    SuggestedAnswer,
    Topic,
    message_body,
    new_number,
)
from flashsale.desk.domain.events import CaseEventKind, event_of
from flashsale.desk.domain.self_service import Situation, answer
from flashsale.desk.domain.sla import Priority, started
from flashsale.desk.domain.staffing import language_of
from flashsale.desk.errors import CaseNotFound, InvalidTransition
from flashsale.desk.ports import DeskRepository, NewCase
from flashsale.desk.service.order_lookup import OrderLookup
from flashsale.desk.service.setup import DeskSetup, Snapshot
from flashsale.desk.service.writes import CaseWrites, Outcome
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import Conflict, InvalidInput
from flashsale.kernel.ids import new_id
from flashsale.orders.domain.order import Order

DUPLICATE_WINDOW = timedelta(hours=24)
NUMBER_ATTEMPTS = 3
MAX_LISTED = 200


@dataclass(frozen=True, slots=True)
class Opening:
    """A case to open: who, about what, by which channel."""

    customer_id: str | None
    contact: str
    market: str
    language: str
    topic: str
    message: str
    order_id: str | None = None
    channel: Channel = Channel.WEB
    subject: str = ""
    email_message_id: str | None = None
    self_service: bool = True


@dataclass(frozen=True, slots=True)
class CaseThread:
    case: Case
    messages: list[CaseMessage]


class Cases:
    def __init__(
        self,
        repository: DeskRepository,
        writes: CaseWrites,
        setup: DeskSetup,
        lookup: OrderLookup,
        accounts: Accounts,
        catalog: Catalog,
        clock: Clock,
    ) -> None:
        self._repo = repository
        self._writes = writes
        self._setup = setup
        self._lookup = lookup
        self._accounts = accounts
        self._catalog = catalog
        self._clock = clock
        self._markets: dict[str, Market] = {}

    # -- customers ---------------------------------------------------------------------------

    async def open_for_customer(
        self, customer_id: str, topic: str, message: str, order_id: str | None = None
    ) -> Case:
        """From the order page or the web form; 404 for an order that is not theirs."""
        customer = await self._accounts.customer(customer_id)
        if customer is None:
            raise CaseNotFound(f"no customer {customer_id}")
        market = await self._market(customer.market_code)
        return await self.open(
            Opening(
                customer.id,
                customer.email,
                market.code,
                language_of(market.locale),
                topic,
                message,
                order_id,
            )
        )

    async def open(self, opening: Opening, *, actor: str | None = None) -> Case:
        body = message_body(opening.message)
        topic = _topic(opening.topic)
        order = None
        if opening.order_id is not None:
            if opening.customer_id is None:
                raise CaseNotFound(f"no order {opening.order_id}")
            order = await self._lookup.of_customer(opening.customer_id, opening.order_id)
        snapshot = await self._setup.snapshot()
        queue = snapshot.queue_for(opening.market, opening.language, topic)
        if queue is None:
            raise Conflict(f"the desk has no queue for the market {opening.market} yet")
        policy = snapshot.policies[queue.sla_policy]
        now = self._clock.now()
        priority = Priority.HIGH if topic is Topic.PAYMENT else Priority.NORMAL
        clock = snapshot.working_time(opening.market, policy)
        case = Case(
            id=new_id("case"),
            number=new_number(),
            customer_id=opening.customer_id,
            contact=opening.contact,
            order_id=opening.order_id,
            channel=opening.channel,
            topic=topic,
            language=opening.language,
            market=opening.market,
            queue=queue.code,
            priority=priority,
            status=CaseStatus.NEW,
            created_at=now,
            updated_at=now,
            subject=opening.subject[:200],
            sla=started(policy, priority, now, clock),
            duplicate_of=await self._duplicate_of(opening, now),
        )
        who = actor or (f"customer:{opening.customer_id}" if opening.customer_id else "system")
        messages = [
            CaseMessage(
                new_id("msg"),
                case.id,
                Author.CUSTOMER,
                opening.customer_id,
                body,
                False,
                now,
                opening.email_message_id,
            )
        ]
        suggested = None
        if opening.self_service and opening.customer_id is not None:
            suggested = await self._answer(opening.customer_id, topic, order, opening.market, now)
        if suggested is not None:
            case = replace(case, suggested=suggested, awaiting_verdict=True)
            messages.append(_system(case, suggested.text, now))
            later = [event_of(case, CaseEventKind.ANSWERED, "system", now, code=suggested.code)]
        else:
            case = replace(case, routed_at=now)
            later = [event_of(case, CaseEventKind.ROUTED, "system", now)]
        opened = event_of(case, CaseEventKind.OPENED, who, now, channel=case.channel.value)
        # Eight letters of 32 are 2**40 numbers: a day of a million cases draws a taken one
        # about every other day. Another draw then; a taken Message-ID stays refused.
        for _ in range(NUMBER_ATTEMPTS - 1):
            try:
                await self._writes.open(NewCase(case, messages, [opened, *later]))
                return case
            except Conflict:
                case = replace(case, number=new_number())
        await self._writes.open(NewCase(case, messages, [opened, *later]))
        return case

    async def _answer(
        self, customer_id: str, topic: Topic, order: Order | None, market: str, now: datetime
    ) -> SuggestedAnswer | None:
        view = None
        if order is not None:
            record = await self._lookup.record(order.id)
            view = None if record is None else record.view
            had_orders = True
        else:
            had_orders = await self._lookup.has_orders(customer_id)
        zone = (await self._market(market)).timezone
        return answer(Situation(topic, view, now, zone, had_orders))

    async def _market(self, code: str) -> Market:
        """Markets hardly change and are never deleted: kept for the life of the process."""
        found = self._markets.get(code)
        if found is None:
            found = await self._catalog.market(code)
            self._markets[code] = found
        return found

    async def _duplicate_of(self, opening: Opening, now: datetime) -> str | None:
        if opening.customer_id is None or opening.order_id is None:
            return None
        for earlier in await self._repo.cases_of_customer(opening.customer_id, 50):
            if (
                earlier.order_id == opening.order_id
                and now - earlier.created_at <= DUPLICATE_WINDOW
                and earlier.merged_into is None
                and earlier.status is not CaseStatus.CLOSED
            ):
                return earlier.id
        return None

    async def of_customer(self, customer_id: str) -> list[Case]:
        return await self._repo.cases_of_customer(customer_id, MAX_LISTED)

    async def _theirs(self, customer_id: str, case_id: str) -> Case:
        case = await self._writes.read(case_id)
        if case.customer_id != customer_id:
            raise CaseNotFound(f"no case {case_id[:64]}")
        return case

    async def customer_case(self, customer_id: str, case_id: str) -> CaseThread:
        """Another customer's case is reported missing; internal notes are not shown."""
        case = await self._writes.read(case_id)
        if case.customer_id != customer_id:
            raise CaseNotFound(f"no case {case_id[:64]}")
        messages = await self._repo.messages_of_case(case_id)
        return CaseThread(case, [m for m in messages if not m.internal])

    async def accept_answer(self, customer_id: str, case_id: str) -> Case:
        async def accept(case: Case) -> Outcome:
            _owned(case, customer_id)
            _verdict_owed(case)
            snapshot = await self._setup.snapshot()
            clock = snapshot.working_time(case.market, snapshot.policies[_policy(snapshot, case)])
            now = self._clock.now()
            solved = replace(case.moved(CaseStatus.SOLVED, now, clock), deflected=True)
            actor = f"customer:{customer_id}"
            return Outcome(
                solved,
                events=[
                    event_of(solved, CaseEventKind.DEFLECTED, actor, now),
                    event_of(solved, CaseEventKind.STATUS, actor, now, to="solved"),
                ],
            )

        return await self._writes.change(case_id, accept)

    async def ask_for_agent(self, customer_id: str, case_id: str) -> Case:
        async def route(case: Case) -> Outcome:
            _owned(case, customer_id)
            _verdict_owed(case)
            now = self._clock.now()
            routed = replace(case, awaiting_verdict=False, routed_at=now, updated_at=now)
            event = event_of(routed, CaseEventKind.ROUTED, f"customer:{customer_id}", now)
            return Outcome(routed, events=[event])

        return await self._writes.change(case_id, route)

    async def customer_writes(self, customer_id: str, case_id: str, text: str) -> Case:
        """A closed case takes no more messages (409); a message where the record's answer
        awaits a verdict asks for a person."""
        body = message_body(text)
        await self._theirs(customer_id, case_id)
        return await self._writes.change(
            case_id, lambda case: self._customer_wrote(case, body, customer_id, None)
        )

    async def _customer_wrote(
        self, case: Case, body: str, customer_id: str | None, mail_id: str | None
    ) -> Outcome:
        if case.status is CaseStatus.CLOSED:
            raise InvalidTransition(f"case {case.number} is closed: open a new one", "closed")
        snapshot = await self._setup.snapshot()
        policy = snapshot.policies[_policy(snapshot, case)]
        now = self._clock.now()
        changed = case.customer_wrote(now, policy, snapshot.working_time(case.market, policy))
        if changed.routed_at is None:
            changed = replace(changed, routed_at=now, awaiting_verdict=False)
        message = CaseMessage(
            new_id("msg"), case.id, Author.CUSTOMER, customer_id, body, False, now, mail_id
        )
        actor = f"customer:{customer_id}" if customer_id else "system"
        event = event_of(changed, CaseEventKind.MESSAGE, actor, now, author="customer")
        return Outcome(changed, [message], [event])

    async def mail_arrived(self, case_id: str, text: str, mail_id: str | None) -> Case:
        body = message_body(text)
        return await self._writes.change(
            case_id, lambda case: self._customer_wrote(case, body, case.customer_id, mail_id)
        )


def _system(case: Case, text: str, at: datetime) -> CaseMessage:
    return CaseMessage(new_id("msg"), case.id, Author.SYSTEM, None, text, False, at)


def _owned(case: Case, customer_id: str) -> None:
    """Checked on the case the change is worked out on: no read of its own."""
    if case.customer_id != customer_id:
        raise CaseNotFound(f"no case {case.id[:64]}")


def _verdict_owed(case: Case) -> None:
    if not case.awaiting_verdict:
        raise InvalidTransition(
            f"case {case.number} awaits no verdict on an answer (it is {case.status})",
            case.status.value,
        )


def _policy(snapshot: Snapshot, case: Case) -> str:
    queue = snapshot.queues.get(case.queue)
    if queue is None:
        raise InvalidInput(f"the queue {case.queue} of case {case.number} no longer exists")
    return queue.sla_policy


_TOPICS = {t.value: t for t in Topic}


def _topic(value: str) -> Topic:
    try:
        return _TOPICS[value]
    except KeyError:
        known = ", ".join(t.value for t in Topic)
        raise InvalidInput(f"{value[:40]!r} is not a topic: one of {known}") from None
