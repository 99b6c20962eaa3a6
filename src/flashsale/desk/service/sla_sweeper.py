"""Recording SLA breaches: every case whose clock runs and whose next due time has passed gets
its breach recorded once (``case.sla_breached``), in batches, by one process of the fleet."""

from __future__ import annotations

from dataclasses import replace

from flashsale.desk.domain.events import CaseEventKind, event_of
from flashsale.desk.domain.sla import newly_breached
from flashsale.desk.ports import CaseChange, DeskRepository
from flashsale.kernel.clock import Clock
from flashsale.platform.leadership import Leadership

ROLE = "desk-sla"
BATCH = 1000


class SlaSweeper:
    def __init__(self, repository: DeskRepository, clock: Clock, leadership: Leadership) -> None:
        self._repo = repository
        self._clock = clock
        self._leadership = leadership
        self.breaches = 0  # recorded by this process

    async def sweep(self) -> int:
        """Record every breach due now; how many were recorded."""
        if not await self._leadership.leads(ROLE):
            return 0
        recorded = 0
        now = self._clock.now()
        while True:
            due = await self._repo.cases_due(now, BATCH)
            changes, counts = [], {}
            for case in due:
                names = newly_breached(case.sla, now)
                if not names:
                    continue
                breached = replace(case.breached(names), version=case.version + 1)
                event = event_of(breached, CaseEventKind.BREACHED, "system", now, names=list(names))
                changes.append(CaseChange(breached, case.version, (), (event,), case))
                counts[case.id] = len(names)
            if not changes:
                return recorded
            written = await self._repo.change_cases(changes) or set()
            made = sum(counts[case_id] for case_id in written)
            recorded += made
            self.breaches += made
            if len(due) < BATCH:
                return recorded
