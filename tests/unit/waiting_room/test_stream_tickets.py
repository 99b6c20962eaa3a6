"""Stream tickets: one customer's stream of one sale, for a minute, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flashsale.customers.security import SessionTokens
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.kernel.keys import Keys
from flashsale.waiting_room.service.admission import AdmissionTokens
from flashsale.waiting_room.service.streams import STREAM_TICKET_SECONDS, StreamTickets

T0 = datetime(2015, 5, 12, 4, 29, tzinfo=UTC)
KEYS = Keys.derive("a-secret-key-for-the-stream-ticket-tests")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def test_a_ticket_opens_its_customers_stream_of_its_sale_until_it_expires(
    clock: ManualClock,
) -> None:
    tickets = StreamTickets(KEYS.stream_ticket, clock)
    issued = tickets.issue("sale_1", "cus_1")
    assert issued.sale_id == "sale_1"
    assert STREAM_TICKET_SECONDS == 60
    assert issued.expires_at == T0 + timedelta(seconds=60)
    assert tickets.redeem(issued.ticket, "sale_1") == "cus_1"
    clock.advance(59.9)
    assert tickets.redeem(issued.ticket, "sale_1") == "cus_1"
    clock.advance(0.1)
    with pytest.raises(AuthenticationFailed, match="expired"):
        tickets.redeem(issued.ticket, "sale_1")


def test_a_ticket_opens_no_other_sale(clock: ManualClock) -> None:
    tickets = StreamTickets(KEYS.stream_ticket, clock)
    issued = tickets.issue("sale_1", "cus_1")
    with pytest.raises(AuthenticationFailed, match="another sale"):
        tickets.redeem(issued.ticket, "sale_2")


def test_no_other_token_passes_for_a_ticket_nor_a_ticket_for_another_token(
    clock: ManualClock,
) -> None:
    tickets = StreamTickets(KEYS.stream_ticket, clock)
    assert len({KEYS.stream_ticket, KEYS.session, KEYS.admission, KEYS.csrf}) == 4
    session = SessionTokens(KEYS.session, 3600).issue("cus_1")
    admission = AdmissionTokens(KEYS.admission).issue("sale_1", "cus_1", 2**40)
    forged = StreamTickets(KEYS.admission, clock).issue("sale_1", "cus_1").ticket
    for other in (session, admission, forged, "", "not.a.ticket"):
        with pytest.raises(AuthenticationFailed):
            tickets.redeem(other, "sale_1")
    ticket = tickets.issue("sale_1", "cus_1").ticket
    with pytest.raises(AuthenticationFailed):
        SessionTokens(KEYS.session, 3600).claim(ticket)
