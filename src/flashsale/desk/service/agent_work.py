"""An agent's work on cases: views, the case with its order, replies (typed or from a macro),
status, assignment by hand, and merging a duplicate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flashsale.catalog.service import Catalog
from flashsale.desk.domain.calendar import AlwaysOpen
from flashsale.desk.domain.case import Author, Case, CaseMessage, CaseStatus, message_body
from flashsale.desk.domain.events import CaseEvent, CaseEventKind, event_of
from flashsale.desk.domain.macros import render
from flashsale.desk.domain.staffing import AgentStatus
from flashsale.desk.errors import AgentUnavailable, InvalidTransition
from flashsale.desk.ports import CaseQuery, DeskRepository, View
from flashsale.desk.service.order_lookup import OrderLookup, OrderRecord
from flashsale.desk.service.setup import DeskSetup
from flashsale.desk.service.writes import CaseWrites, Outcome
from flashsale.kernel.batching import Batcher
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.ids import new_id
from flashsale.notifications.domain.message import Message
from flashsale.notifications.ports import Notifier
from flashsale.staff.model import StaffMember

MAX_PAGE = 200
MAIL_EXCERPT = 1000  # the mail template's text field holds this much; the page has it all


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A case as the agent sees it: its messages (internal notes too), its events, and its
    order with payment, refunds and history."""

    case: Case
    messages: list[CaseMessage]
    events: list[CaseEvent]
    order: OrderRecord | None


def actor_of(member: StaffMember | None) -> str:
    return "admin" if member is None else f"staff:{member.id}"


class AgentWork:
    def __init__(
        self,
        repository: DeskRepository,
        writes: CaseWrites,
        setup: DeskSetup,
        lookup: OrderLookup,
        notifier: Notifier,
        catalog: Catalog,
        clock: Clock,
        *,
        public_url: str,
    ) -> None:
        self._repo = repository
        self._writes = writes
        self._setup = setup
        self._lookup = lookup
        self._notifier = notifier
        self._catalog = catalog
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        # Replies' mails go to the outbox together: one transaction for all sent meanwhile.
        self._mails: Batcher[Message, InvalidInput | None] = Batcher(self._send, max_batch=1000)
        self._locales: dict[str, str] = {}  # markets hardly change and are never deleted

    async def cases(
        self,
        member: StaffMember | None,
        view: str,
        cursor: str | None = None,
        limit: int = 50,
    ) -> list[Case]:
        """``mine``, ``queue:{code}``, ``breaching`` or ``unassigned``, oldest first, after the
        case id ``cursor``; only the markets the member serves."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit: 1 to {MAX_PAGE}")
        name, _, queue = view.partition(":")
        try:
            chosen = View(name)
        except ValueError:
            raise InvalidInput(
                f"{view[:40]!r} is no view: mine, queue:{{code}}, breaching or unassigned"
            ) from None
        if (chosen is View.QUEUE) != bool(queue):
            raise InvalidInput("a queue's view names it: queue:{code}")
        markets = frozenset() if member is None else frozenset(member.markets)
        query = CaseQuery(
            chosen,
            agent=None if member is None else member.id,
            queue=queue or None,
            now=self._clock.now(),
            markets=markets,
        )
        return await self._repo.list_cases(query, cursor, limit)

    async def case_file(self, case_id: str) -> CaseFile:
        case = await self._writes.read(case_id)
        order = None if case.order_id is None else await self._lookup.record(case.order_id)
        return CaseFile(
            case,
            await self._repo.messages_of_case(case_id),
            await self._repo.events_of_case(case_id),
            order,
        )

    async def thread(self, case_id: str) -> tuple[Case, list[CaseMessage]]:
        """The case and its messages alone: what the agent's page re-reads every few seconds
        while it is open (the order's record, four reads more, is not)."""
        return await self._writes.read(case_id), await self._repo.messages_of_case(case_id)

    async def reply(
        self,
        member: StaffMember | None,
        case_id: str,
        *,
        body: str | None = None,
        macro: str | None = None,
        internal: bool = False,
    ) -> Case:
        """A reply to the customer (mailed to them) or an internal note; from a macro, its text
        rendered for this case and its status set."""
        if (body is None) == (macro is None):
            raise InvalidInput("a reply has a body or a macro, not both")
        chosen = None if macro is None else await self._setup.macro(macro)
        actor = actor_of(member)

        async def replied(case: Case) -> Outcome:
            if case.status is CaseStatus.CLOSED:
                raise InvalidTransition(f"case {case.number} is closed", "closed")
            if chosen is not None:
                text = message_body(render(chosen.body, await self._context(case, member)))
            else:
                text = message_body(body or "")
            now = self._clock.now()
            changed = case if internal else case.answered_by_agent(now)
            if chosen is not None and chosen.set_status is not None:
                changed = await self._moved(changed, chosen.set_status, now, None)
            message = CaseMessage(
                new_id("msg"), case.id, Author.AGENT, _id_of(member), text, internal, now
            )
            events = [
                event_of(
                    changed, CaseEventKind.MESSAGE, actor, now, author="agent", internal=internal
                )
            ]
            if changed.status is not case.status:
                events.append(
                    event_of(changed, CaseEventKind.STATUS, actor, now, to=changed.status.value)
                )
            after = [] if internal else [lambda: self._mail(changed, text)]
            return Outcome(changed, [message], events, after)

        return await self._writes.change(case_id, replied)

    async def set_status(
        self,
        member: StaffMember | None,
        case_id: str,
        status: str,
        pending_until: datetime | None = None,
    ) -> Case:
        try:
            to = CaseStatus(status)
        except ValueError:
            raise InvalidInput(f"{status[:20]!r} is not a case status") from None
        now = self._clock.now()
        if pending_until is not None:
            if to is not CaseStatus.PENDING:
                raise InvalidInput("pending_until goes with the status pending")
            if pending_until <= now:
                raise InvalidInput("pending_until is in the past: a time still to come")

        async def moved(case: Case) -> Outcome:
            changed = await self._moved(case, to, self._clock.now(), pending_until)
            event = event_of(changed, CaseEventKind.STATUS, actor_of(member), now, to=to.value)
            return Outcome(changed, events=[event])

        return await self._writes.change(case_id, moved)

    async def _moved(
        self, case: Case, to: CaseStatus, at: datetime, pending_until: datetime | None
    ) -> Case:
        snapshot = await self._setup.snapshot()
        queue = snapshot.queues.get(case.queue)
        policy = None if queue is None else snapshot.policies.get(queue.sla_policy)
        clock = snapshot.working_time(case.market, policy) if policy else AlwaysOpen()
        return case.moved(to, at, clock, pending_until=pending_until)

    async def assign(
        self,
        member: StaffMember | None,
        case_id: str,
        *,
        agent: str | None = None,
        queue: str | None = None,
    ) -> Case:
        """To an agent by hand (beyond their capacity if need be, flagged; 409 for an offline
        one), or back to a queue's waiting line."""
        if (agent is None) == (queue is None):
            raise InvalidInput("assign to an agent or to a queue, one of them")
        actor, now = actor_of(member), self._clock.now()
        if queue is not None:
            snapshot = await self._setup.snapshot()
            if queue not in snapshot.queues:
                raise InvalidInput(f"no queue {queue[:40]!r}")

            async def queued(case: Case) -> Outcome:
                moved = replace(
                    case,
                    queue=queue,
                    assignee=None,
                    over_capacity=False,
                    routed_at=now,
                    updated_at=now,
                )
                return Outcome(moved, events=[event_of(moved, CaseEventKind.ROUTED, actor, now)])

            return await self._writes.change(case_id, queued)
        found = await self._setup.agent(agent or "")
        if found is None or found.status is AgentStatus.OFFLINE:
            state = "not an agent of the desk" if found is None else "offline"
            raise AgentUnavailable(f"{agent} is {state}: assign to someone online")
        load = len(
            [
                c
                for c in await self._repo.list_cases(
                    CaseQuery(View.MINE, agent=found.staff_id), None, found.capacity + 1
                )
                if c.loads_assignee
            ]
        )

        async def assigned(case: Case) -> Outcome:
            if case.status in (CaseStatus.SOLVED, CaseStatus.CLOSED):
                raise InvalidTransition(f"case {case.number} is {case.status}", case.status.value)
            over = load >= found.capacity and case.assignee != found.staff_id
            moved = replace(
                case,
                assignee=found.staff_id,
                over_capacity=over,
                routed_at=case.routed_at or now,
                awaiting_verdict=False,
                updated_at=now,
            )
            event = event_of(
                moved, CaseEventKind.ASSIGNED, actor, now, agent=found.staff_id, over_capacity=over
            )
            return Outcome(moved, events=[event])

        return await self._writes.change(case_id, assigned)

    async def merge(self, member: StaffMember | None, case_id: str, into: str) -> Case:
        """The duplicate closes, pointing at the case it was merged into (same customer)."""
        target = await self._writes.read(into)
        actor, now = actor_of(member), self._clock.now()

        async def merged(case: Case) -> Outcome:
            if case.id == target.id or case.customer_id != target.customer_id:
                raise InvalidInput("a case merges into another case of the same customer")
            closed = case
            if case.status is not CaseStatus.SOLVED:
                closed = await self._moved(closed, CaseStatus.SOLVED, now, None)
            closed = replace(
                await self._moved(closed, CaseStatus.CLOSED, now, None), merged_into=target.id
            )
            note = CaseMessage(
                new_id("msg"),
                case.id,
                Author.SYSTEM,
                None,
                f"Merged into case {target.number}.",
                True,
                now,
            )
            event = event_of(closed, CaseEventKind.MERGED, actor, now, into=target.id)
            return Outcome(closed, [note], [event])

        return await self._writes.change(case_id, merged)

    async def _context(self, case: Case, member: StaffMember | None) -> dict[str, Any]:
        context: dict[str, Any] = {
            "case": {"number": case.number, "topic": case.topic.value, "status": case.status.value},
            "customer": {"email": case.contact},
            "agent": {"email": "" if member is None else member.email},
        }
        if case.order_id is None:
            return context
        record = await self._lookup.record(case.order_id)
        if record is None:
            return context
        view = record.view
        context["order"] = {
            "id": view.id,
            "status": view.status,
            "sku": view.sku,
            "quantity": view.quantity,
            "amount": view.amount,
            "expires_at": view.expires_at.isoformat(),
            "url": view.url,
        }
        if view.shipment is not None:
            context["shipment"] = {
                "carrier": view.shipment.carrier,
                "tracking_number": view.shipment.tracking_number,
            }
        if record.refunds:
            last = record.refunds[-1]
            context["refund"] = {
                "amount": f"{last.amount.amount} {last.amount.currency}",
                "status": last.status.value,
            }
        return context

    async def _mail(self, case: Case, text: str) -> None:
        locale = self._locales.get(case.market)
        if locale is None:
            market = await self._catalog.find_market(case.market)
            locale = market.locale if market is not None else "en"
            if market is not None:
                self._locales[case.market] = locale
        excerpt = text if len(text) <= MAIL_EXCERPT else text[: MAIL_EXCERPT - 1] + "…"
        refused = await self._mails.submit(
            Message(
                case.contact,
                "service_desk_reply",
                locale,
                {
                    "case_number": case.number,
                    "reply": excerpt,
                    "case_url": f"{self._public_url}/cases/{case.id}",
                },
            )
        )
        if refused is not None:
            raise refused

    async def _send(self, messages: Sequence[Message]) -> list[InvalidInput | None]:
        """A mail the notifier refuses (it writes none of a batch then) is refused alone."""
        try:
            await self._notifier.send(messages)
            return [None] * len(messages)
        except InvalidInput as refused:
            if len(messages) == 1:
                return [refused]
        answers: list[InvalidInput | None] = []
        for message in messages:
            try:
                await self._notifier.send([message])
                answers.append(None)
            except InvalidInput as refused:
                answers.append(refused)
        return answers


def _id_of(member: StaffMember | None) -> str | None:
    return None if member is None else member.id
