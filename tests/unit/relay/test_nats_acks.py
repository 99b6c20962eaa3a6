"""JetStream's answers, read: a PubAck (stored or duplicate) lets the batch on; anything else
fails it at once, saying why, rather than after the acknowledgement timeout."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from nats.aio.msg import Msg

from flashsale.relay.adapters.nats_acks import PubAcks, refusal_of
from flashsale.relay.ports import PublishFailed


def answer(data: bytes, subject: str = "", headers: dict[str, str] | None = None) -> Msg:
    return Msg(cast(Any, None), subject=subject, data=data, headers=headers)


def test_a_puback_stored_or_duplicate_is_no_refusal() -> None:
    assert refusal_of(answer(b'{"stream":"FLASHSALE_ORDERS","seq":7}')) is None
    assert refusal_of(answer(b'{"stream":"S","seq":7,"duplicate":true}')) is None


def test_a_refusal_says_why() -> None:
    wrong_last = b'{"error":{"code":400,"err_code":10070,"description":"wrong last msg ID: m4"}}'
    assert refusal_of(answer(wrong_last)) == "wrong last msg ID: m4 (JetStream error 10070)"
    nobody = answer(b"", headers={"Status": "503"})
    assert refusal_of(nobody) == "no stream takes the subject (no responders)"
    assert "no PubAck" in str(refusal_of(answer(b"<html>")))
    assert "no PubAck" in str(refusal_of(answer(b"[1]")))


async def test_each_answer_resolves_its_own_message_and_abandoning_cancels_the_rest() -> None:
    acks = PubAcks("_INBOX.relay")
    (first, stored), (second, refused), (_, pending) = acks.expect(), acks.expect(), acks.expect()
    assert len({first, second}) == 2 and first.startswith("_INBOX.relay.")
    await acks.answer(answer(b'{"error":{"code":503,"description":"down"}}', subject=second))
    await acks.answer(answer(b'{"stream":"S","seq":1}', subject=first))
    await acks.answer(answer(b'{"stream":"S","seq":1}', subject="_INBOX.relay.unknown"))
    assert stored.result() is None
    with pytest.raises(PublishFailed, match="down"):
        refused.result()
    acks.abandon()
    with pytest.raises(asyncio.CancelledError):
        await pending
