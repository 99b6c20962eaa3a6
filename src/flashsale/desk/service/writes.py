"""How every service of the desk writes: cases opened and cases changed are group-committed
(one transaction for every write that arrived while the previous one was in flight), and a
change lost to a concurrent one (the router's assignment, the customer's message) is worked
out again on the case as it now is.

A change starts from the case as this process last wrote it, when it still holds it, instead
of reading it again: the write is guarded by the case's version, so a copy that another
process outdated costs one more round (read, work out, write), never a lost update; a change
refused on such a copy (a status that moved meanwhile) is worked out again on the record
before it is refused. Solved and closed cases are not kept: they are rarely changed again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from flashsale.desk.domain.case import DONE, Case, CaseMessage
from flashsale.desk.domain.events import CaseEvent
from flashsale.desk.errors import CaseChanged, CaseNotFound
from flashsale.desk.ports import CaseChange, DeskRepository, NewCase
from flashsale.kernel.batching import Batcher
from flashsale.kernel.errors import Conflict

ATTEMPTS = 5
KEPT = 50_000  # cases kept as last written: a peak hour's cases between routing and reply


@dataclass(frozen=True, slots=True)
class Outcome:
    """A change worked out on a case: the case after it, what to add, what to do after."""

    case: Case
    messages: Sequence[CaseMessage] = ()
    events: Sequence[CaseEvent] = ()
    after: Sequence[Callable[[], Awaitable[None]]] = ()


Change = Callable[[Case], Awaitable[Outcome]]


class CaseWrites:
    def __init__(self, repository: DeskRepository, wake: Callable[[], None]) -> None:
        self._repo = repository
        self._wake = wake
        self._opened: Batcher[NewCase, Conflict | None] = Batcher(self._add, max_batch=1000)
        self._changed: Batcher[CaseChange, bool] = Batcher(self._change, max_batch=1000)
        # Reads coalesce too: one query for every case read while the previous was in flight.
        self._reads: Batcher[str, Case | None] = Batcher(self._read, max_batch=1000)
        self._kept: dict[str, Case] = {}  # oldest first

    def remember(self, case: Case) -> None:
        """``case`` as just written by this process (a router's assignment, too)."""
        kept = self._kept
        kept.pop(case.id, None)
        if case.status in DONE:
            return
        kept[case.id] = case
        if len(kept) > KEPT:
            del kept[next(iter(kept))]

    def kept(self, case_id: str) -> Case | None:
        """The case as this process last wrote it, while it is kept (see the module)."""
        return self._kept.get(case_id)

    async def open(self, new: NewCase) -> None:
        """Conflict for a taken number (or Message-ID): this case's alone, not its batch's."""
        refused = await self._opened.submit(new)
        if refused is not None:
            raise refused
        self.remember(new.case)
        self._wake()

    async def read(self, case_id: str) -> Case:
        found = await self._reads.submit(case_id)
        if found is None:
            raise CaseNotFound(f"no case {case_id[:64]}")
        return found

    async def change(self, case_id: str, change: Change) -> Case:
        """Work ``change`` out on the case and write it if the case has not moved meanwhile;
        else again on the case as it now is."""
        kept = self._kept.get(case_id)
        for _ in range(ATTEMPTS):
            case = kept or await self.read(case_id)
            try:
                outcome = await change(case)
            except Exception:
                if kept is None:
                    raise
                kept = None  # refused on a copy: ask the record
                self._kept.pop(case_id, None)
                continue
            changed = replace(outcome.case, version=case.version + 1)
            written = await self._changed.submit(
                CaseChange(changed, case.version, outcome.messages, outcome.events, case)
            )
            if written:
                self.remember(changed)
                self._wake()
                for then in outcome.after:
                    await then()
                return changed
            kept = None
            self._kept.pop(case_id, None)
        raise CaseChanged(f"case {case_id[:64]} keeps changing under this change; try again")

    async def _read(self, case_ids: Sequence[str]) -> list[Case | None]:
        found = await self._repo.cases_by_id(list(dict.fromkeys(case_ids)))
        return [found.get(case_id) for case_id in case_ids]

    async def _add(self, batch: Sequence[NewCase]) -> list[Conflict | None]:
        """A batch refused (all or none) is tried again case by case: one case's taken number
        must not refuse the others."""
        try:
            await self._repo.add_cases(batch)
            return [None] * len(batch)
        except Conflict as refused:
            if len(batch) == 1:
                return [refused]
        answers: list[Conflict | None] = []
        for new in batch:
            try:
                await self._repo.add_cases([new])
                answers.append(None)
            except Conflict as refused:
                answers.append(refused)
        return answers

    async def _change(self, batch: Sequence[CaseChange]) -> list[bool]:
        written = await self._repo.change_cases(batch) or set()
        seen: set[str] = set()
        answers = []
        for change in batch:  # a second change of one case in a batch was not written
            answers.append(change.case.id in written and change.case.id not in seen)
            seen.add(change.case.id)
        return answers

    async def drain(self) -> None:
        await self._opened.wait_idle()
        await self._changed.wait_idle()
