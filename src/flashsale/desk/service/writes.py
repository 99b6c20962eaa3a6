"""How every service of the desk writes: cases opened and cases changed are group-committed
(one transaction for every write that arrived while the previous one was in flight), and a
change lost to a concurrent one (the router's assignment, the customer's message) is worked
out again on the case as it now is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from flashsale.desk.domain.case import Case, CaseMessage
from flashsale.desk.domain.events import CaseEvent
from flashsale.desk.errors import CaseChanged, CaseNotFound
from flashsale.desk.ports import CaseChange, DeskRepository, NewCase
from flashsale.kernel.batching import Batcher

ATTEMPTS = 5


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
        self._opened: Batcher[NewCase, None] = Batcher(self._add, max_batch=1000)
        self._changed: Batcher[CaseChange, bool] = Batcher(self._change, max_batch=1000)
        # Reads coalesce too: one query for every case read while the previous was in flight.
        self._reads: Batcher[str, Case | None] = Batcher(self._read, max_batch=1000)

    async def open(self, new: NewCase) -> None:
        await self._opened.submit(new)
        self._wake()

    async def read(self, case_id: str) -> Case:
        found = await self._reads.submit(case_id)
        if found is None:
            raise CaseNotFound(f"no case {case_id[:64]}")
        return found

    async def change(self, case_id: str, change: Change) -> Case:
        """Work ``change`` out on the case and write it if the case has not moved meanwhile;
        else again on the case as it now is."""
        for _ in range(ATTEMPTS):
            case = await self.read(case_id)
            outcome = await change(case)
            written = await self._changed.submit(
                CaseChange(
                    replace(outcome.case, version=case.version + 1),
                    case.version,
                    outcome.messages,
                    outcome.events,
                )
            )
            if written:
                self._wake()
                for then in outcome.after:
                    await then()
                return replace(outcome.case, version=case.version + 1)
        raise CaseChanged(f"case {case_id[:64]} keeps changing under this change; try again")

    async def _read(self, case_ids: Sequence[str]) -> list[Case | None]:
        found = await self._repo.cases_by_id(list(dict.fromkeys(case_ids)))
        return [found.get(case_id) for case_id in case_ids]

    async def _add(self, batch: Sequence[NewCase]) -> list[None]:
        await self._repo.add_cases(batch)
        return [None] * len(batch)

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
