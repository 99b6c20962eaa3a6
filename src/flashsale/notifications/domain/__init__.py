"""The mail model: messages, rendered mails, the outbox's states, the templates' data and the
retry rule. Pure: no I/O, no clock reads, no asyncio."""
