"""Due times in business time across weekends and public holidays, and the SLA clock paused
exactly while a case is pending or on hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flashsale.desk.domain.calendar import AlwaysOpen, Calendar
from flashsale.desk.domain.case import Case, CaseStatus, Channel, Topic
from flashsale.desk.domain.sla import Priority, SlaPolicy, newly_breached, started
from flashsale.desk.errors import InvalidTransition
from flashsale.kernel.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
KOLKATA = ZoneInfo("Asia/Kolkata")
CN = Calendar.office_hours("CN", "Asia/Shanghai", "CN")
IN = Calendar.office_hours("IN", "Asia/Kolkata", "IN")


def local(zone: ZoneInfo, *args: int) -> datetime:
    year, month, day, hour, minute = args
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("calendar", "zone", "start", "hours", "due"),
    [
        # within the day
        (CN, SHANGHAI, (2015, 4, 8, 10, 0), 4, (2015, 4, 8, 14, 0)),
        # Friday 17:00 + 4 h: one hour on Friday, three on Monday
        (CN, SHANGHAI, (2015, 4, 10, 17, 0), 4, (2015, 4, 13, 12, 0)),
        # opened on Saturday: counted from Monday 09:00
        (CN, SHANGHAI, (2015, 4, 11, 11, 0), 2, (2015, 4, 13, 11, 0)),
        # opened at night: from the next morning
        (CN, SHANGHAI, (2015, 4, 8, 22, 0), 1, (2015, 4, 9, 10, 0)),
        # CN Labour Day 2015 is Friday 1 May: Thursday 17:00 + 2 h ends Monday 10:00
        (CN, SHANGHAI, (2015, 4, 30, 17, 0), 2, (2015, 5, 4, 10, 0)),
        # Diwali 2015 in India is Wednesday 11 November: Tuesday 17:00 + 2 h is Thursday 10:00
        (IN, KOLKATA, (2015, 11, 10, 17, 0), 2, (2015, 11, 12, 10, 0)),
        # Diwali 2025: Monday 20 October, after a weekend: Friday 17:30 + 1 h is Tuesday 09:30
        (IN, KOLKATA, (2025, 10, 17, 17, 30), 1, (2025, 10, 21, 9, 30)),
    ],
)
def test_due_times_skip_nights_weekends_and_holidays(
    calendar: Calendar,
    zone: ZoneInfo,
    start: tuple[int, ...],
    hours: int,
    due: tuple[int, ...],
) -> None:
    begins = local(zone, *start)
    ends = calendar.add(begins, timedelta(hours=hours))
    assert ends == local(zone, *due)
    assert calendar.between(begins, ends) == timedelta(hours=hours)


def test_an_extra_holiday_and_calendar_time() -> None:
    closed = Calendar.of(
        "CN",
        "Asia/Shanghai",
        {"mon": ["09:00-12:00", "13:00-18:00"], "wed": ["09:00-24:00"]},
        None,
        [date(2015, 4, 13)],
    )
    # Monday the 13th is closed: Sunday 20:00 + 2 h is Wednesday 11:00
    start = local(SHANGHAI, 2015, 4, 12, 20, 0)
    assert closed.add(start, timedelta(hours=2)) == local(SHANGHAI, 2015, 4, 15, 11, 0)
    assert AlwaysOpen().add(start, timedelta(hours=2)) == start + timedelta(hours=2)


@pytest.mark.parametrize(
    "weekly",
    [{"mon": ["18:00-09:00"]}, {"mon": ["09:00-12:00", "11:00-13:00"]}, {"moon": ["09:00-10:00"]}],
)
def test_a_calendar_that_makes_no_sense_is_refused(weekly: dict[str, list[str]]) -> None:
    with pytest.raises(InvalidInput):
        Calendar.of("CN", "Asia/Shanghai", weekly)


def test_a_calendar_with_no_hours_cannot_give_a_due_time() -> None:
    with pytest.raises(InvalidInput, match="no working hours"):
        Calendar.of("CN", "Asia/Shanghai", {}).add(datetime.now(UTC), timedelta(hours=1))


POLICY = SlaPolicy.uniform("std", 60, 120, 480)


def a_case(at: datetime) -> Case:
    return Case(
        "case_1", "ABCDEFGH", "cus_1", "fan@mi.example", None, Channel.WEB, Topic.PAYMENT, "zh",
        "CN", "cn-zh", Priority.NORMAL, CaseStatus.NEW, at, at,
        sla=started(POLICY, Priority.NORMAL, at, CN),
    )  # fmt: skip


def test_the_clock_stops_while_pending_and_moves_the_due_times_by_the_pause() -> None:
    opened = local(SHANGHAI, 2015, 4, 8, 10, 0)
    case = a_case(opened)
    assert case.sla.first_response_due == local(SHANGHAI, 2015, 4, 8, 11, 0)
    replied = case.answered_by_agent(opened + timedelta(minutes=10))
    pending = replied.moved(CaseStatus.PENDING, opened + timedelta(minutes=20), CN)
    assert pending.sla.paused and pending.next_due is None
    # three business hours pass while pending: nothing breaches
    assert newly_breached(pending.sla, opened + timedelta(hours=9)) == ()
    back = pending.moved(CaseStatus.OPEN, local(SHANGHAI, 2015, 4, 8, 13, 20), CN)
    assert back.sla.paused_seconds == 3 * 3600
    # 8 business hours from Wednesday 10:00, plus the 3 paused: Thursday 12:00
    assert back.sla.resolution_due == local(SHANGHAI, 2015, 4, 9, 12, 0)


def test_breaches_are_named_once_each() -> None:
    opened = local(SHANGHAI, 2015, 4, 8, 10, 0)
    case = a_case(opened)
    later = opened + timedelta(hours=2)
    assert newly_breached(case.sla, later) == ("first_response",)
    breached = case.breached(("first_response",))
    assert newly_breached(breached.sla, later) == ()


def test_a_closed_case_moves_no_more_and_says_where_it_is() -> None:
    opened = local(SHANGHAI, 2015, 4, 8, 10, 0)
    case = a_case(opened).moved(CaseStatus.SOLVED, opened, CN).moved(CaseStatus.CLOSED, opened, CN)
    with pytest.raises(InvalidTransition) as refused:
        case.moved(CaseStatus.OPEN, opened, CN)
    assert refused.value.current == "closed"
