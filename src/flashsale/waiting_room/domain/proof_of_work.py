"""Proof of work to join a queue: costly to the client, one hash to check for the server.

The client is given a challenge and finds a nonce such that ``SHA-256(challenge ":" nonce)``
starts with ``difficulty`` zero bits (about ``2**difficulty`` hashes of work on average). A bot
farm joining with thousands of accounts pays that for each; a fan pays it once.
"""

from __future__ import annotations

import hashlib
import itertools

MAX_DIFFICULTY = 32


def _digest(challenge: str, nonce: str) -> bytes:
    return hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def solves(challenge: str, nonce: str, difficulty: int) -> bool:
    if difficulty <= 0:
        return True
    if len(nonce) > 64:
        return False
    return leading_zero_bits(_digest(challenge, nonce)) >= difficulty


def solve(challenge: str, difficulty: int) -> str:
    """The client's side (tests, the crowd simulator): try nonces until one solves."""
    for n in itertools.count():
        nonce = format(n, "x")
        if solves(challenge, nonce, difficulty):
            return nonce
    raise AssertionError("unreachable")
