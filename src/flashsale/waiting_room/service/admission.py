"""Admission tokens and proof-of-work challenges, both signed with itsdangerous.

Each is signed with its own key (``Keys.admission``, ``Keys.proof_of_work``), never the shop's
secret key itself, so neither kind of token passes for the other or for a session.

An admission token is ``[sale id, customer id, admitted until (epoch ms)]``, signed: bound to
one customer, one sale and an expiry. Verifying it costs one HMAC and no I/O; the room state
then spends it once (``RoomState.consume``), checking that it is the customer's current
admission (a token from an admission that lapsed is refused).

A proof-of-work challenge is ``<sale>:<customer>:<random>`` signed with a timestamp, so the
server keeps no state for it and a bot cannot compute solutions before asking.

``Admissions`` uses both: it hands out challenges, checks a join's proof, and lets a purchase
through a sale's room.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, TimestampSigner, URLSafeSerializer

from flashsale.kernel.clock import Clock
from flashsale.waiting_room.domain.errors import (
    AdmissionRequired,
    AdmissionTokenExpired,
    AdmissionTokenInvalid,
    AdmissionTokenNotYours,
    AdmissionTokenUsed,
    ProofOfWorkRequired,
)
from flashsale.waiting_room.domain.proof_of_work import solves
from flashsale.waiting_room.domain.room import Use
from flashsale.waiting_room.ports import RoomState
from flashsale.waiting_room.service.live import epoch_ms
from flashsale.waiting_room.service.rate_limits import RateLimits
from flashsale.waiting_room.service.rooms import Rooms

CHALLENGE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class AdmissionClaim:
    sale_id: str
    customer_id: str
    until_ms: int


class AdmissionTokens:
    def __init__(self, key: str) -> None:
        self._serializer = URLSafeSerializer(key, salt="flashsale.admission")

    def issue(self, sale_id: str, customer_id: str, until_ms: int) -> str:
        return str(self._serializer.dumps([sale_id, customer_id, until_ms]))

    def read(self, token: str) -> AdmissionClaim:
        try:
            value = self._serializer.loads(token)
        except BadSignature as exc:
            raise AdmissionTokenInvalid("the admission token is not one this shop issued") from exc
        match value:
            case [str(sale_id), str(customer_id), int(until_ms)]:
                return AdmissionClaim(sale_id, customer_id, until_ms)
        raise AdmissionTokenInvalid("the admission token is malformed")


class Challenges:
    def __init__(self, key: str, max_age_seconds: int = CHALLENGE_SECONDS) -> None:
        self._signer = TimestampSigner(key, salt="flashsale.pow")
        self._max_age = max_age_seconds

    def issue(self, sale_id: str, customer_id: str) -> str:
        value = f"{sale_id}:{customer_id}:{secrets.token_hex(8)}"
        return self._signer.sign(value).decode()

    def check(self, challenge: str, sale_id: str, customer_id: str) -> None:
        try:
            value = self._signer.unsign(challenge, max_age=self._max_age).decode()
        except BadSignature as exc:
            raise ProofOfWorkRequired(
                "the challenge is not valid or expired; ask for a new one"
            ) from exc
        sale, customer, _ = value.split(":", 2)
        if (sale, customer) != (sale_id, customer_id):
            raise ProofOfWorkRequired("the challenge was issued to someone else")


@dataclass(frozen=True, slots=True)
class Challenge:
    challenge: str
    difficulty: int


class Admissions:
    def __init__(
        self,
        rooms: Rooms,
        state: RoomState,
        limits: RateLimits,
        clock: Clock,
        tokens: AdmissionTokens,
        challenges: Challenges,
    ) -> None:
        self._rooms = rooms
        self._state = state
        self._limits = limits
        self._clock = clock
        self._tokens = tokens
        self._challenges = challenges

    async def challenge(self, sale_id: str, customer_id: str) -> Challenge:
        _, room = await self._rooms.require(sale_id)
        return Challenge(self._challenges.issue(sale_id, customer_id), room.settings.pow_difficulty)

    def proof_refusal(
        self, sale_id: str, customer_id: str, difficulty: int, proof: tuple[str, str] | None
    ) -> ProofOfWorkRequired | None:
        """Why a join's proof of work (challenge, nonce) does not do, if it does not."""
        if not difficulty:
            return None
        if proof is None:
            return ProofOfWorkRequired(f"solve a challenge of difficulty {difficulty} first")
        challenge, nonce = proof
        try:
            self._challenges.check(challenge, sale_id, customer_id)
        except ProofOfWorkRequired as refused:  # a forged, expired or someone else's challenge
            return refused
        if not solves(challenge, nonce, difficulty):
            return ProofOfWorkRequired("the nonce does not solve the challenge")
        return None

    async def admit_purchase(
        self,
        sale_id: str,
        customer_id: str,
        token: str | None,
        address: str,
        idempotency_key: str | None,
    ) -> None:
        """Let a purchase through the room, or raise its refusal (an AdmissionRefused, or
        TooManyRequests).

        A sale with an open room passes at once. Otherwise: the customer's and the address's
        rate limits, then the token: signed by us, this customer's for this sale, not expired,
        and spent now (a retry with the same idempotency key may present it again).
        """
        if self._rooms.is_open(sale_id):
            return
        room = await self._rooms.room_of(sale_id)
        if room is None:
            return
        now_ms = epoch_ms(self._clock.now())
        await self._limits.check(sale_id, customer_id, address, room.settings, now_ms)
        if token is None:
            raise AdmissionRequired(
                "this sale admits buyers through its waiting room: join the queue"
                " and buy with the admission token"
            )
        claim = self._tokens.read(token)
        if claim.sale_id != sale_id or claim.customer_id != customer_id:
            raise AdmissionTokenNotYours("this admission token was issued for another purchase")
        if claim.until_ms <= now_ms:
            raise AdmissionTokenExpired("the admission token has expired; join the queue again")
        (use,) = await self._state.consume(
            sale_id, [(customer_id, claim.until_ms, idempotency_key or "")], now_ms
        )
        if use is Use.USED:
            raise AdmissionTokenUsed("this admission was spent on a purchase already")
        if use is Use.LAPSED:
            raise AdmissionTokenExpired("this admission is no longer valid; join the queue again")
