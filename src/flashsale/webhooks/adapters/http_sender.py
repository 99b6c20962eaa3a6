"""POSTing deliveries with aiohttp: one pooled session, a timeout per request, no redirects.

Where private addresses are refused (production) the check is made again at every connection,
in the resolver the pool uses: a host that resolved to a public address when it was subscribed
and to a private one now (DNS rebinding) is not connected to. Redirects are not followed, for
the same reason, and count as a failed attempt.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from flashsale.webhooks.domain.url_policy import refusal
from flashsale.webhooks.ports import WebhookRequest, WebhookResponse

USER_AGENT = "flashsale-webhooks/1"
EXCERPT_BYTES = 512  # of a refusal's body, kept as the attempt's error
DRAIN_BYTES = 64 * 1024  # of any answer's body, read so that its connection is kept


class PublicOnlyResolver(AbstractResolver):
    """Resolves as aiohttp would, then refuses a host with any non-public address."""

    def __init__(self) -> None:
        self._inner = aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        for result in found:
            reason = refusal(ipaddress.ip_address(result["host"]))
            if reason is not None:
                raise OSError(f"{host} resolves to {result['host']}, {reason}: not sent")
        return found

    async def close(self) -> None:
        await self._inner.close()


class AiohttpSender:
    def __init__(self, *, timeout_seconds: float, connections: int, public_only: bool) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._connections = connections
        self._public_only = public_only
        self._session: aiohttp.ClientSession | None = None
        self._literal_refusals: dict[str, str | None] = {}

    def _opened(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop that will use it.
        if self._session is None:
            options: dict[str, Any] = {"limit": self._connections, "ttl_dns_cache": 60}
            if self._public_only:
                options["resolver"] = PublicOnlyResolver()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(**options),
                timeout=self._timeout,
                headers={"user-agent": USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def send(self, requests: Sequence[WebhookRequest]) -> list[WebhookResponse]:
        if not requests:
            return []
        session = self._opened()
        return list(await asyncio.gather(*(self._post(session, r) for r in requests)))

    async def _post(
        self, session: aiohttp.ClientSession, request: WebhookRequest
    ) -> WebhookResponse:
        refused = self._refused(request.url)
        if refused is not None:
            return WebhookResponse(None, refused)
        try:
            async with session.post(
                request.url, data=request.body, headers=request.headers, allow_redirects=False
            ) as response:
                excerpt = await _drained(response)
                if 200 <= response.status < 300:
                    return WebhookResponse(response.status)
                detail = excerpt[:EXCERPT_BYTES].decode(errors="replace").strip()
                return WebhookResponse(response.status, detail or response.reason)
        except TimeoutError:
            return WebhookResponse(None, f"no answer within {self._timeout.total:g} s")
        except aiohttp.ClientConnectorError as exc:  # its own text drops the resolver's reason
            return WebhookResponse(
                None, f"{type(exc).__name__}: {exc.host}:{exc.port}: {exc.os_error}"
            )
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return WebhookResponse(None, f"{type(exc).__name__}: {exc}")

    def _refused(self, url: str) -> str | None:
        """Why a URL naming an address (which aiohttp connects to without resolving it) is not
        sent to: one subscribed in development, served since in production."""
        if not self._public_only:
            return None
        if url not in self._literal_refusals:
            host = urlsplit(url).hostname or ""
            try:
                reason = refusal(ipaddress.ip_address(host))
            except ValueError:  # a name: the resolver judges its addresses
                reason = None
            self._literal_refusals[url] = (
                None if reason is None else f"{host} is {reason}: not sent"
            )
        return self._literal_refusals[url]

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


async def _drained(response: aiohttp.ClientResponse) -> bytes:
    """The start of the answer's body. A short body is read to its end, which lets the
    connection go back to the pool; a long one is left, and its connection closed."""
    kept = b""
    read = 0
    while read <= DRAIN_BYTES:
        chunk = await response.content.readany()
        if not chunk:
            break
        if len(kept) < EXCERPT_BYTES:
            kept += chunk[: EXCERPT_BYTES - len(kept)]
        read += len(chunk)
    return kept
