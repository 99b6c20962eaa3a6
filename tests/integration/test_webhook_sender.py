"""The aiohttp sender against a real receiver on 127.0.0.1: answers, refusals, timeouts, and the
production guard that will not connect to the shop's own network, whatever the URL says."""

from __future__ import annotations

import socket

from flashsale.webhooks.adapters.http_sender import AiohttpSender
from flashsale.webhooks.ports import WebhookRequest
from tests.e2e.webhook_receiver import Receiver, receiver

__all__ = ["receiver"]
HEADERS = {"content-type": "application/json", "webhook-id": "evt_000000000001"}


def request(url: str) -> WebhookRequest:
    return WebhookRequest(url, HEADERS, b'{"type":"order.paid"}')


async def test_answers_are_reported_as_they_came(receiver: Receiver) -> None:
    statuses = iter([204, 500, 302, 410])
    receiver.answer = lambda got: next(statuses)
    sender = AiohttpSender(timeout_seconds=5, connections=1, public_only=False)
    try:
        found = [(await sender.send([request(receiver.url)]))[0] for _ in range(4)]
    finally:
        await sender.close()
    assert [r.status for r in found] == [204, 500, 302, 410]  # a redirect is not followed
    assert found[0].detail is None and found[1].detail == "no"
    assert len(receiver.received) == 4
    assert receiver.received[0].body == b'{"type":"order.paid"}'
    assert receiver.received[0].headers["webhook-id"] == "evt_000000000001"
    assert receiver.received[0].headers["user-agent"] == "flashsale-webhooks/1"


async def test_no_answer_in_time_and_no_listener_are_failures_not_errors(
    receiver: Receiver,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sender = AiohttpSender(timeout_seconds=0.3, connections=4, public_only=False)
    receiver.hold = receiver.arrived  # any Event: the receiver waits for release
    try:
        slow, refused = await sender.send(
            [request(receiver.url), request(f"http://127.0.0.1:{closed_port}/hook")]
        )
    finally:
        receiver.release.set()
        await sender.close()
    assert slow.status is None and slow.detail == "no answer within 0.3 s"
    assert refused.status is None and refused.detail is not None
    assert "ClientConnectorError" in refused.detail


async def test_production_does_not_connect_inside_the_network(receiver: Receiver) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    sender = AiohttpSender(timeout_seconds=5, connections=2, public_only=True)
    try:
        literal, named = await sender.send(
            [request(receiver.url), request(f"http://localhost:{port}/hook")]
        )
    finally:
        await sender.close()
    assert receiver.received == []
    assert literal.status is None and literal.detail == "127.0.0.1 is a loopback address: not sent"
    assert named.status is None and named.detail is not None
    assert "localhost resolves to" in named.detail and "loopback" in named.detail
