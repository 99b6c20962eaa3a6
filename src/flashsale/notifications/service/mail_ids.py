"""Mail ids that sort in the order this process wrote the mails.

The kernel's ids are ordered by the millisecond only, and the outbox lists (and pages) by id,
newest first: within one millisecond (a batch, always) each id is bumped past the one before.
Mails written by different processes are ordered to the millisecond, as well as their clocks
allow anyway.
"""

from __future__ import annotations

from flashsale.kernel.ids import new_id

PREFIX = "mail"


class MailIds:
    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        fresh = int(new_id(PREFIX).removeprefix(f"{PREFIX}_"), 16)
        self._last = max(fresh, self._last + 1)
        return f"{PREFIX}_{self._last:032x}"
