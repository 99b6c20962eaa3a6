"""Bodies of the waiting-room endpoints."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from flashsale.http.edge import Line
from flashsale.http.schemas.base import RequestQuery
from flashsale.waiting_room.domain.proof_of_work import MAX_DIFFICULTY
from flashsale.waiting_room.domain.room import (
    MAX_ADDRESS_RATE,
    MAX_ADMISSION_RATE,
    MAX_CUSTOMER_RATE,
    MAX_REGISTRATIONS_PER_ADDRESS,
    MIN_RATE_PER_SECOND,
    RoomConfig,
    RoomSettings,
)
from flashsale.waiting_room.service.admission import Challenge
from flashsale.waiting_room.service.draw import FairnessEntry, FairnessReport
from flashsale.waiting_room.service.status import QueueStatus
from flashsale.waiting_room.service.streams import StreamTicket

_DEFAULTS = RoomSettings()


class WaitingRoomIn(BaseModel):
    """A sale's waiting room; every field has a default, so ``{}`` enforces one."""

    # Strict: true or "10" is not a rate.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    admission_rate_per_second: float = Field(
        default=_DEFAULTS.admission_rate_per_second,
        ge=MIN_RATE_PER_SECOND,
        le=MAX_ADMISSION_RATE,
    )
    shuffle_pre_queue: bool = _DEFAULTS.shuffle_pre_queue
    token_lifetime_seconds: float = Field(
        default=_DEFAULTS.token_lifetime_seconds, ge=1, le=24 * 3600
    )
    pow_difficulty: int = Field(default=_DEFAULTS.pow_difficulty, ge=0, le=MAX_DIFFICULTY)
    registrations_per_address: int | None = Field(
        default=_DEFAULTS.registrations_per_address, ge=1, le=MAX_REGISTRATIONS_PER_ADDRESS
    )
    customer_requests_per_second: float = Field(
        default=_DEFAULTS.customer_requests_per_second,
        ge=MIN_RATE_PER_SECOND,
        le=MAX_CUSTOMER_RATE,
    )
    address_requests_per_second: float = Field(
        default=_DEFAULTS.address_requests_per_second,
        ge=MIN_RATE_PER_SECOND,
        le=MAX_ADDRESS_RATE,
    )

    def settings(self) -> RoomSettings:
        return RoomSettings(**self.model_dump())


class WaitingRoomOut(WaitingRoomIn):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sale_id: str
    commitment: str = Field(description="SHA-256 of the secret seed that orders the pre-queue.")
    sealed_at: datetime | None

    @classmethod
    def of(cls, room: RoomConfig) -> WaitingRoomOut:
        s = room.settings
        return cls(
            sale_id=room.sale_id,
            commitment=room.commitment,
            sealed_at=room.sealed_at,
            admission_rate_per_second=s.admission_rate_per_second,
            shuffle_pre_queue=s.shuffle_pre_queue,
            token_lifetime_seconds=s.token_lifetime_seconds,
            pow_difficulty=s.pow_difficulty,
            registrations_per_address=s.registrations_per_address,
            customer_requests_per_second=s.customer_requests_per_second,
            address_requests_per_second=s.address_requests_per_second,
        )


class JoinIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    challenge: Line | None = Field(default=None, max_length=512)
    nonce: Line | None = Field(default=None, max_length=64)


class StreamQuery(RequestQuery):
    ticket: Line | None = Field(
        default=None,
        description="A ticket from stream-tickets, for a client that cannot send the bearer"
        " token (EventSource); never a session token.",
    )


class QueueStatusOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    sale_id: str
    customer_id: str
    state: str
    position: int | None
    ahead: int | None = Field(description="People ahead of you not admitted yet.")
    waiting: int
    estimated_wait_seconds: float | None
    chance: float | None = Field(description="Rough chance of a unit, 0..1.")
    stock_left: int
    units_may_return: int = Field(description="Units in unpaid reservations that may expire.")
    admission_token: str | None = Field(description="Send as the Admission-Token header.")
    admission_expires_at: datetime | None
    commitment: str

    @classmethod
    def of(cls, status: QueueStatus) -> QueueStatusOut:
        v = status.view
        until = v.admitted_until_ms
        return cls(
            sale_id=status.sale_id,
            customer_id=status.customer_id,
            state=v.state.value,
            position=v.position,
            ahead=v.ahead,
            waiting=v.waiting,
            estimated_wait_seconds=v.estimated_wait_seconds,
            chance=v.chance,
            stock_left=v.stock_left,
            units_may_return=v.units_may_return,
            admission_token=status.admission_token,
            admission_expires_at=None
            if until is None
            else datetime.fromtimestamp(until / 1000, UTC),
            commitment=status.commitment,
        )


class ChallengeOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    challenge: str
    difficulty: int = Field(
        description='Find a nonce so that SHA-256("<challenge>:<nonce>") starts with this many'
        " zero bits; send both with the join."
    )

    @classmethod
    def of(cls, challenge: Challenge) -> ChallengeOut:
        return cls(challenge=challenge.challenge, difficulty=challenge.difficulty)


class PositionOut(BaseModel):
    pseudonym: str = Field(description="The customer's pseudonym in this sale (never their id).")
    position: int


class VerificationOut(BaseModel):
    ok: bool
    commitment_ok: bool
    order_ok: bool
    checked: int
    mismatches: list[tuple[int, str, str]]


class FairnessOut(BaseModel):
    """What anyone needs to check the pre-queue once the seed is revealed: recompute
    HMAC-SHA256(seed, pseudonym) for each published pseudonym, sort ascending, compare with the
    positions. A customer's pseudonym is HMAC-SHA256(HMAC-SHA256(seed,
    "flashsale.fairness.pseudonym"), customer id), the first 32 hex digits: each customer can
    find their own (``GET .../queue/fairness/me``, or recompute it after the reveal)."""

    model_config = ConfigDict(frozen=True)

    sale_id: str
    commitment: str
    shuffled: bool
    sealed_at: datetime | None
    revealed: bool
    seed: str | None = Field(description="Hex; published once the sale is over.")
    positions: list[PositionOut]
    verification: VerificationOut | None

    @classmethod
    def of(cls, report: FairnessReport) -> FairnessOut:
        room = report.room
        check = report.verification
        return cls(
            sale_id=room.sale_id,
            commitment=room.commitment,
            shuffled=room.settings.shuffle_pre_queue,
            sealed_at=room.sealed_at,
            revealed=report.revealed,
            seed=room.seed.hex() if report.revealed else None,
            positions=[PositionOut(pseudonym=n, position=p) for n, p in report.positions],
            verification=None
            if check is None
            else VerificationOut(
                ok=check.ok,
                commitment_ok=check.commitment_ok,
                order_ok=check.order_ok,
                checked=check.checked,
                mismatches=list(check.mismatches),
            ),
        )


class FairnessEntryOut(BaseModel):
    """The caller's own line in the sale's published pre-queue."""

    model_config = ConfigDict(frozen=True)

    sale_id: str
    pseudonym: str = Field(description="How the published pre-queue names you in this sale.")
    position: int | None = Field(description="Your place in it; null if you joined after.")

    @classmethod
    def of(cls, sale_id: str, entry: FairnessEntry) -> FairnessEntryOut:
        return cls(sale_id=sale_id, pseudonym=entry.pseudonym, position=entry.position)


class StreamTicketOut(BaseModel):
    """A ticket that opens the caller's live stream of one sale, for a short while."""

    model_config = ConfigDict(frozen=True)

    ticket: str
    expires_at: datetime
    events_url: str = Field(
        description="The stream's address with the ticket, for EventSource: open it before"
        " expires_at, and ask for a new ticket to open another."
    )

    @classmethod
    def of(cls, ticket: StreamTicket, events_path: str) -> StreamTicketOut:
        return cls(
            ticket=ticket.ticket,
            expires_at=ticket.expires_at,
            events_url=f"{events_path}?ticket={ticket.ticket}",
        )
