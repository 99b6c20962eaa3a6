"""Host names resolved the way the sender will resolve them: the system's resolver."""

from __future__ import annotations

import asyncio
import socket


class SystemResolver:
    async def addresses(self, host: str) -> list[str]:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError):
            return []
        return sorted({str(info[4][0]) for info in found})
