"""The shop's HTTP API as a fan calls it, over one shared aiohttp session.

Every call answers a ``Reply``, never raises: a dropped connection or a timeout is status 0, so
a fan decides what to do from one value (a purchase retries it with the same Idempotency-Key).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from yarl import URL

from flashsale.lab.crowd.loopback import require_loopback

TRANSPORT_FAILED = 0  # the status of a Reply when no HTTP answer came back


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    retry_after: float | None = None  # the Retry-After header, in seconds, when one came

    @property
    def answer(self) -> str:
        """How the timeline and the live board label it: ``201``, ``409 sold-out``..."""
        if self.status == TRANSPORT_FAILED:
            return "no answer"
        code = str(self.body.get("type", "")).rsplit("/", 1)[-1]
        return f"{self.status} {code}" if code and not self.ok else str(self.status)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def problem(self) -> str:
        """The RFC 9457 ``type`` (or what went wrong on the wire), for tallies and messages."""
        return str(self.body.get("type") or self.body.get("detail") or self.status)


def new_session(connections: int, timeout_seconds: float = 60.0) -> aiohttp.ClientSession:
    """One keep-alive pool for the whole crowd; each fan holds at most one request at a time."""
    connector = aiohttp.TCPConnector(
        limit=connections, limit_per_host=connections, keepalive_timeout=120
    )
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout_seconds)
    )


class ShopClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._api = require_loopback(base_url) + "/api/v1"
        self._urls: dict[str, URL] = {}  # the sale's few paths; orders' ones are read twice

    async def _call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent_headers = {"Accept": "application/json", **(headers or {})}
        if token is not None:
            sent_headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = orjson.dumps(body)
            sent_headers["Content-Type"] = "application/json"
        url = self._urls.get(path)
        if url is None:  # parsing the same URL for every click costs the crowd's CPU
            url = self._urls[path] = URL(self._api + path, encoded=True)
        started = time.perf_counter()
        try:
            async with self._session.request(
                method, url, data=data, headers=sent_headers
            ) as response:
                raw = await response.read()
                status = response.status
                retry_after = _seconds(response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            return Reply(TRANSPORT_FAILED, {"detail": detail}, time.perf_counter() - started)
        return Reply(status, _json_object(raw), time.perf_counter() - started, retry_after)

    async def sign_up(self, email: str, password: str, market: str) -> Reply:
        return await self._call(
            "POST", "/customers", body={"email": email, "password": password, "market": market}
        )

    async def log_in(self, email: str, password: str) -> Reply:
        return await self._call("POST", "/sessions", body={"email": email, "password": password})

    async def sale(self, sale_id: str) -> Reply:
        return await self._call("GET", f"/sales/{sale_id}")

    async def register(self, token: str, sale_id: str) -> Reply:
        return await self._call("POST", f"/sales/{sale_id}/registrations", token=token)

    async def purchase(
        self, token: str, sale_id: str, quantity: int, idempotency_key: str
    ) -> Reply:
        return await self._call(
            "POST",
            f"/sales/{sale_id}/purchases",
            token=token,
            body={"quantity": quantity},
            headers={"Idempotency-Key": idempotency_key},
        )

    async def pay(self, token: str, order_id: str, card: str) -> Reply:
        return await self._call(
            "POST", f"/orders/{order_id}/payments", token=token, body={"card": card}
        )

    async def order(self, token: str, order_id: str) -> Reply:
        return await self._call("GET", f"/orders/{order_id}", token=token)


def _json_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"detail": raw[:200].decode(errors="replace")}
    return value if isinstance(value, dict) else {"value": value}


def _seconds(header: str | None) -> float | None:
    """Retry-After in its delay-seconds form; an HTTP date is not worth parsing here."""
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return None
