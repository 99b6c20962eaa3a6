"""Queues and agents: who answers what, in which language, how much at once."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flashsale.desk.domain.case import Topic
from flashsale.kernel.errors import InvalidInput

MAX_CAPACITY = 200
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def parse_code(value: str, what: str) -> str:
    code = value.strip().lower()
    if not _CODE.fullmatch(code):
        raise InvalidInput(f"{what} {value[:40]!r}: 1 to 40 of a-z, 0-9, - and _")
    return code


def parse_topics(values: Iterable[str]) -> frozenset[Topic]:
    topics = set()
    for value in values:
        try:
            topics.add(Topic(value.strip().lower()))
        except ValueError:
            known = ", ".join(t.value for t in Topic)
            raise InvalidInput(f"{value[:40]!r} is not a topic: one of {known}") from None
    return frozenset(topics)


def language_of(tag: str) -> str:
    """The primary language of a tag (``zh`` of ``zh-Hans-CN``): what routing matches on."""
    return tag.strip().replace("_", "-").split("-")[0].lower()


class AgentStatus(enum.StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Queue:
    code: str
    market: str
    language: str  # primary language tag: zh, en, hi
    topics: frozenset[Topic]
    sla_policy: str

    def takes(self, market: str, language: str, topic: Topic) -> bool:
        return self.market == market and self.language == language and topic in self.topics


def queue_for(queues: Iterable[Queue], market: str, language: str, topic: Topic) -> Queue | None:
    """The queue a case belongs in: its market's, in its language, for its topic; failing the
    language, the market's queue for the topic (someone reads it); failing that, any of the
    market's."""
    mine = sorted((q for q in queues if q.market == market), key=lambda q: q.code)
    tiers = (
        [q for q in mine if q.language == language and topic in q.topics],
        [q for q in mine if topic in q.topics],
        [q for q in mine if q.language == language],
        mine,
    )
    for tier in tiers:
        if tier:
            return tier[0]
    return None


@dataclass(frozen=True, slots=True)
class DeskAgent:
    """A staff member with the agent role, as the desk routes to them."""

    staff_id: str
    market: str
    languages: frozenset[str]  # primary language tags
    topics: frozenset[Topic]
    capacity: int  # open cases at once, by automatic assignment
    status: AgentStatus
    status_since: datetime  # ties go to the one idle longest

    def __post_init__(self) -> None:
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise InvalidInput(f"capacity: 1 to {MAX_CAPACITY} open cases")
        if not self.languages:
            raise InvalidInput("an agent speaks at least one language")
        if not self.topics:
            raise InvalidInput("an agent answers at least one topic")

    def skilled_for(self, queue: Queue, topic: Topic) -> bool:
        return (
            self.market == queue.market
            and queue.language in self.languages
            and topic in self.topics
        )
