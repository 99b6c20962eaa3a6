"""Where a rehearsal happens: the sales, their fans, the address to send them to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flashsale.lab.crowd.processes import Round


@dataclass(frozen=True, slots=True)
class Stage:
    url: str
    admin_token: str
    rounds: Sequence[Round]  # one per sale, in the order they open
    target: str  # said in the report: what the crowd ran against
    preregistered: bool = False  # registered in bulk by the stage: the crowd need not ask
    server_here: bool = False  # the server runs in this process (in-process staging)

    @property
    def sale_ids(self) -> list[str]:
        return [r.sale_id for r in self.rounds]
