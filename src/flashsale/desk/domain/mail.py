"""Threading mail onto cases: by the Message-IDs it answers (In-Reply-To, References), else by
the case number in its subject (``[Case #7K3F9Q2M]``, as the desk's replies are titled)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flashsale.desk.domain.case import NUMBER_ALPHABET, NUMBER_LENGTH

_NUMBER = re.compile(rf"\[?case\s*#\s*([{NUMBER_ALPHABET}]{{{NUMBER_LENGTH}}})\b", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
MAX_SUBJECT = 998  # RFC 5322's line


@dataclass(frozen=True, slots=True)
class InboundMail:
    sender: str
    subject: str
    text: str
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    market: str | None = None  # the gateway's mailbox for a market, for unknown senders

    def answered_ids(self) -> list[str]:
        """The Message-IDs this mail answers, the one it replies to first."""
        found: list[str] = []
        for header in (self.in_reply_to, self.references):
            for message_id in _MESSAGE_ID.findall(header or ""):
                if message_id not in found:
                    found.append(message_id)
        return found


def case_number_in(subject: str) -> str | None:
    found = _NUMBER.search(subject[:MAX_SUBJECT])
    return None if found is None else found[1].upper()


def message_id_of(text: str | None) -> str | None:
    if not text:
        return None
    found = _MESSAGE_ID.search(text)
    return None if found is None else found[0]
