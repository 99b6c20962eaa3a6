"""What a customer is told of their place: a join's, a status read's and a stream's answer."""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.waiting_room.domain.room import (
    QueueState,
    QueueView,
    RoomConfig,
    Standing,
    view_of,
)
from flashsale.waiting_room.service.admission import AdmissionTokens
from flashsale.waiting_room.service.live import Live


@dataclass(frozen=True, slots=True)
class QueueStatus:
    sale_id: str
    customer_id: str
    view: QueueView
    admission_token: str | None
    commitment: str


def status_of(
    tokens: AdmissionTokens, room: RoomConfig, customer_id: str, standing: Standing, live: Live
) -> QueueStatus:
    """The customer's view, with a token to buy with once admitted."""
    view = view_of(standing, live.summary, live.facts, room.settings.admission_rate_per_second)
    token = None
    if view.state is QueueState.ADMITTED and view.admitted_until_ms is not None:
        token = tokens.issue(room.sale_id, customer_id, view.admitted_until_ms)
    return QueueStatus(room.sale_id, customer_id, view, token, room.commitment)
