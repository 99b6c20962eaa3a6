"""The ``Notifier`` the other domains call, and the outbox as the console and the command line
read it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.notifications.domain.message import Mail, Message
from flashsale.notifications.domain.outbox import MailStatus, OutboxMail
from flashsale.notifications.ports import OutboxRepository
from flashsale.notifications.service.mail_ids import MailIds
from flashsale.notifications.service.mailer import Mailer
from flashsale.notifications.service.rendering import MailRenderer

MAX_LISTED = 500
# Rendering takes about 90 µs a mail: a chunk holds the event loop for a few milliseconds.
RENDER_CHUNK = 50


class Notifications:
    """Writes every mail to the outbox: ``pending`` for the mailer when the shop sends mail
    over SMTP, else ``kept`` there for the operator to read."""

    def __init__(
        self,
        outbox: OutboxRepository,
        renderer: MailRenderer,
        clock: Clock,
        mailer: Mailer | None = None,
    ) -> None:
        self._outbox = outbox
        self._renderer = renderer
        self._clock = clock
        self._mailer = mailer
        self._ids = MailIds()

    @property
    def delivers(self) -> bool:
        """Whether mails go out over SMTP (else they stay in the outbox)."""
        return self._mailer is not None

    async def send(self, messages: Sequence[Message]) -> None:
        """Render the batch and write it in one transaction; InvalidInput writes nothing."""
        if not messages:
            return
        rendered: list[tuple[Message, Mail]] = []
        for start in range(0, len(messages), RENDER_CHUNK):
            if start:
                await asyncio.sleep(0)  # let the purchases this process serves run in between
            chunk = messages[start : start + RENDER_CHUNK]
            rendered += [(message, self._renderer.render(message)) for message in chunk]
        now = self._clock.now()
        status = MailStatus.PENDING if self._mailer else MailStatus.KEPT
        mails = [
            OutboxMail(
                id=self._ids.next(),
                to=message.to,
                template=message.template,
                locale=message.locale,
                mail=mail,
                status=status,
                created_at=now,
                next_attempt_at=now if self._mailer else None,
            )
            for message, mail in rendered
        ]
        await self._outbox.add_mails(mails)
        if self._mailer is not None:
            self._mailer.wake()

    async def recent(
        self, limit: int = 50, before: str | None = None, status: MailStatus | None = None
    ) -> list[OutboxMail]:
        """The newest mails first; ``before`` the id of the last one of the previous page."""
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInput(f"limit: between 1 and {MAX_LISTED}")
        return await self._outbox.recent_mails(limit, before, status)

    async def find(self, mail_id: str) -> OutboxMail:
        found = await self._outbox.mail(mail_id)
        if found is None:
            raise NotFound(f"no mail {mail_id}")
        return found
