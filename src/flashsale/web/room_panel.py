"""What the flash-sale page shows of a sale's waiting room, and the words for its refusals.

The page handlers (``storefront.py``, ``queue.py``) call the ``WaitingRoom`` service here as the
JSON API does (``room_api.py``), with the page's session instead of a bearer token.
"""

from __future__ import annotations

from dataclasses import dataclass
from gettext import NullTranslations
from typing import Any

from starlette.requests import Request

from flashsale.http.admission import client_address
from flashsale.kernel import errors
from flashsale.sales import errors as sale_errors
from flashsale.waiting_room.domain import errors as room_errors
from flashsale.waiting_room.domain.room import QueueState, QueueView
from flashsale.waiting_room.service.room import Challenge, QueueStatus, WaitingRoom
from flashsale.web.i18n import N_

# States the server must draw the page for (a Buy form with the token, the end of the line);
# the page reloads when it reaches one it was not drawn in. The others only move numbers.
REDRAW_ON = frozenset(
    {QueueState.ADMITTED, QueueState.USED, QueueState.LAPSED, QueueState.SOLD_OUT}
    | {QueueState.CLOSED}
)

ROOM_REFUSALS: dict[type[errors.DomainError], str] = {
    room_errors.AdmissionRequired: N_(
        "Not your turn yet: this sale lets fans buy through its"
        " waiting room. Join the queue; the Buy button appears when you are admitted."
    ),
    room_errors.AdmissionTokenExpired: N_(
        "Your turn has passed: the admission expired before you bought. Join the queue again."
    ),
    room_errors.AdmissionTokenUsed: N_("Your admission was used for a purchase already."),
    room_errors.AdmissionRefused: N_("This admission is not valid for you. Join the queue."),
    room_errors.TooManyRequests: N_("Too many clicks at once: wait a second and try again."),
    room_errors.ProofOfWorkRequired: N_(
        "Your browser has to solve a small puzzle to join; let the"
        " page finish it (it needs JavaScript), then press Join again."
    ),
    room_errors.AddressCapReached: N_("Too many fans have joined from this network address."),
    sale_errors.NotRegistered: N_("Only fans who registered for the sale can join its queue."),
    sale_errors.SaleClosed: N_("The sale is closed."),
}


def room_message(error: errors.DomainError) -> str:
    for cls in type(error).__mro__:
        if cls in ROOM_REFUSALS:
            return ROOM_REFUSALS[cls]
    return error.detail


@dataclass(frozen=True, slots=True)
class RoomPanel:
    """What the sale page shows of an enforced room to one fan."""

    status: QueueStatus | None
    challenge: Challenge | None
    message: str | None = None

    @property
    def state(self) -> str:
        return "" if self.status is None else self.status.view.state.value

    @property
    def can_join(self) -> bool:
        return self.status is not None and self.status.view.state in (
            QueueState.NOT_IN_QUEUE,
            QueueState.LAPSED,
        )

    @property
    def words(self) -> QueueWords | None:
        return self.words_in(ENGLISH)

    def words_in(self, catalog: NullTranslations) -> QueueWords | None:
        """The words in the page's language (its catalog, i18n.translations)."""
        return None if self.status is None else queue_words(self.status.view, catalog)

    @property
    def admission_token(self) -> str | None:
        return None if self.status is None else self.status.admission_token


@dataclass(frozen=True, slots=True)
class QueueWords:
    """A fan's place as the panel says it. The view's ``position`` counts from the first fan
    ever let in, so it is no place in line ("place 2, 0 ahead" read as a contradiction): the
    fan's number in line is the fans still ahead of them, plus one."""

    number: str  # the big figure: their number in line
    line: str  # the sentence beside it
    wait: str
    chance: str


PLACE_DRAWN = N_("drawn at the opening")
ENGLISH = NullTranslations()  # the source language: the messages as written here


def queue_words(view: QueueView, catalog: NullTranslations = ENGLISH) -> QueueWords:
    _ = catalog.gettext
    wait = _wait(view.estimated_wait_seconds, catalog)
    chance = "–"
    if view.chance is not None:
        chance = _("about %(percent)s%%") % {"percent": round(100 * view.chance)}
    if view.state is QueueState.PRE_QUEUE or (view.position is None and view.ahead is None):
        if view.state is not QueueState.PRE_QUEUE:
            return QueueWords("–", "", wait, chance)
        return QueueWords(
            _(PLACE_DRAWN),
            _(
                "Everyone who joined before the opening gets a place in one random draw at the"
                " opening second, the same draw for all."
            ),
            wait,
            chance,
        )
    if view.state not in (QueueState.WAITING, QueueState.SOLD_OUT) or view.ahead is None:
        return QueueWords("–", "", wait, chance)
    ahead = view.ahead
    if ahead == 0:
        return QueueWords("1", _("You are number 1 in line: you are let in next."), wait, chance)
    number = f"{ahead + 1:,}"
    line = _("You are number %(number)s in line; %(ahead)s ahead of you.")
    return QueueWords(number, line % {"number": number, "ahead": f"{ahead:,}"}, wait, chance)


def _wait(seconds: float | None, catalog: NullTranslations) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return catalog.gettext("less than a second")
    if seconds < 90:
        whole = round(seconds)
        return catalog.ngettext("about %(n)s second", "about %(n)s seconds", whole) % {"n": whole}
    minutes = round(seconds / 60)
    return catalog.ngettext("about %(n)s minute", "about %(n)s minutes", minutes) % {"n": minutes}


def status_json(status: QueueStatus, catalog: NullTranslations = ENGLISH) -> dict[str, Any]:
    view = status.view
    words = queue_words(view, catalog)
    return {
        "number": words.number,
        "line": words.line,
        "wait": words.wait,
        "chance_text": words.chance,
        "state": view.state.value,
        "position": view.position,
        "ahead": view.ahead,
        "waiting": view.waiting,
        "estimated_wait_seconds": view.estimated_wait_seconds,
        "chance": view.chance,
        "stock_left": view.stock_left,
        "redraw": view.state in REDRAW_ON,
    }


async def room_panel(
    waiting_room: WaitingRoom, request: Request, sale_id: str, customer_id: str | None
) -> RoomPanel | None:
    """None when the sale has an open room (no queue); else the fan's place, if logged in."""
    room = await waiting_room.room_of(sale_id)
    if room is None:
        return None
    if customer_id is None:
        return RoomPanel(None, None)
    try:
        status = await waiting_room.status(sale_id, customer_id, client_address(request))
    except room_errors.TooManyRequests as exc:
        return RoomPanel(None, None, room_message(exc))
    challenge = None
    if room.settings.pow_difficulty and status.view.state in (
        QueueState.NOT_IN_QUEUE,
        QueueState.LAPSED,
    ):
        challenge = await waiting_room.challenge(sale_id, customer_id)
    return RoomPanel(status, challenge)
