"""A webhook receiver for the benchmarks, in a process of its own: answers every POST /hook
with 204, counts the distinct webhook-ids, and verifies one signature in ``--verify-every``
with standardwebhooks (the secret from FLASHSALE_BENCH_WEBHOOK_SECRET).

    python benchmarks/webhook_receiver.py [--verify-every 100]

Prints ``PORT <n>`` once listening on 127.0.0.1; ``GET /stats`` answers
{"requests", "distinct", "verified", "bad"}.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import orjson
import uvloop
from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError


class Tally:
    def __init__(self, verify_every: int) -> None:
        secret = os.environ.get("FLASHSALE_BENCH_WEBHOOK_SECRET")
        self.webhook = Webhook(secret) if secret else None
        self.verify_every = verify_every
        self.requests = 0
        self.ids: set[str] = set()
        self.verified = 0
        self.bad = 0

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests += 1
        self.ids.add(request.headers.get("webhook-id", ""))
        signed = "webhook-signature" in request.headers
        if self.webhook is not None and signed and self.requests % self.verify_every == 0:
            try:
                self.webhook.verify(body, dict(request.headers))
                self.verified += 1
            except WebhookVerificationError:
                self.bad += 1
        return web.Response(status=204)

    async def stats(self, request: web.Request) -> web.Response:
        found = {
            "requests": self.requests,
            "distinct": len(self.ids),
            "verified": self.verified,
            "bad": self.bad,
        }
        return web.Response(body=orjson.dumps(found), content_type="application/json")


async def serve(verify_every: int) -> None:
    tally = Tally(verify_every)
    app = web.Application()
    app.router.add_post("/hook", tally.hook)
    app.router.add_get("/stats", tally.stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    server = site._server
    assert server is not None
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)  # type: ignore[attr-defined]
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify-every", type=int, default=100)
    args = parser.parse_args()
    uvloop.run(serve(args.verify_every))


if __name__ == "__main__":
    main()
