"""Admission tokens and proof-of-work challenges, both signed with itsdangerous.

Each is signed with its own key (``Keys.admission``, ``Keys.proof_of_work``), never the shop's
secret key itself, so neither kind of token passes for the other or for a session.

An admission token is ``[sale id, customer id, admitted until (epoch ms)]``, signed: bound to
one customer, one sale and an expiry. Verifying it costs one HMAC and no I/O; the room state
then spends it once (``RoomState.consume``), checking that it is the customer's current
admission (a token from an admission that lapsed is refused).

A proof-of-work challenge is ``<sale>:<customer>:<random>`` signed with a timestamp, so the
server keeps no state for it and a bot cannot compute solutions before asking.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, TimestampSigner, URLSafeSerializer

from flashsale.waiting_room.domain.errors import AdmissionTokenInvalid, ProofOfWorkRequired

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
