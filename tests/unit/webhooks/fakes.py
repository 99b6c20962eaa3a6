"""Stand-ins for the outside world of webhooks: DNS answers and receivers, both scripted."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flashsale.webhooks.ports import WebhookRequest, WebhookResponse


class FakeResolver:
    """DNS by dictionary: no network in a unit test."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[str] = []

    async def addresses(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.answers.get(host, [])


Answer = Callable[[WebhookRequest], WebhookResponse]


class FakeSender:
    """Answers each request as ``answer`` says (204 by default), and remembers them."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.answer: Answer = answer or (lambda request: WebhookResponse(204))
        self.sent: list[WebhookRequest] = []

    async def send(self, requests: Sequence[WebhookRequest]) -> list[WebhookResponse]:
        self.sent += requests
        return [self.answer(request) for request in requests]

    async def close(self) -> None:
        return None
