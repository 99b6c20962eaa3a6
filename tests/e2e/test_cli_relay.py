"""``flashsale relay`` as a real process, against the real NATS JetStream: it publishes the feed of
a SQLite record, then what is added while it runs, stops cleanly on SIGINT or SIGTERM, resumes
from its cursor, and a second relay of the same name stands by until the first stops."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg

from flashsale.orders.domain.order import OrderStatus
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from tests.contract.record_world import T0
from tests.unit.relay.fakes import feed_of

DEADLINE = 60.0  # generous: the relay does each of these waits in well under a second


class RelayProcess:
    """``python -m flashsale relay …``, its output read line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def line(self, pattern: str) -> re.Match[str]:
        """The first line, already read or still to come, that matches ``pattern``."""
        found = self._search(pattern)
        deadline = time.monotonic() + DEADLINE
        while found is None:
            left = deadline - time.monotonic()
            assert self.process.stdout is not None and left > 0, (pattern, self.lines)
            line = await asyncio.wait_for(self.process.stdout.readline(), left)
            assert line, f"the relay ended before saying {pattern!r}: {self.lines}"
            self.lines.append(line.decode().rstrip())
            found = self._search(pattern)
        return found

    def _search(self, pattern: str) -> re.Match[str] | None:
        for line in self.lines:
            if found := re.search(pattern, line):
                return found
        return None

    async def stop(self, how: signal.Signals) -> str:
        self.process.send_signal(how)
        try:
            rest, _ = await asyncio.wait_for(self.process.communicate(), DEADLINE)
        except TimeoutError:
            self.process.kill()
            raise
        self.lines += rest.decode().splitlines()
        assert self.process.returncode == 0, self.lines
        return "\n".join(self.lines)


@pytest.fixture
async def record(tmp_path: Path) -> AsyncIterator[tuple[str, SqlStore, list[str]]]:
    """A migrated SQLite record with a feed of 60 events; its URL, store and event ids."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    store = await SqlStore.open(url)
    try:
        feed = await feed_of(store, 36)
        yield url, store, feed
    finally:
        await store.close()


@pytest.fixture
async def stream(nats_server_url: str) -> AsyncIterator[tuple[str, str]]:
    """A relay URL to a stream of the test's own, and the stream's name."""
    unique = uuid.uuid4().hex[:10]
    name = f"RELAYCLI_{unique}"
    yield f"{nats_server_url}/relaycli.{unique}?stream={name}", name
    client = await nats.connect(nats_server_url)
    try:
        await client.jetstream().delete_stream(name)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


async def start_relay(database_url: str, to: str, *args: str) -> RelayProcess:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flashsale",
        "--database-url",
        database_url,
        "relay",
        "--to",
        to,
        "--name",
        "warehouse",
        *args,
        env={**os.environ, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    _STARTED.append(process)
    return RelayProcess(process)


_STARTED: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def no_relay_left_running() -> AsyncIterator[None]:
    """A test that fails half-way still ends the relays it started."""
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def stored_ids(server_url: str, stream: str, count: int) -> list[str]:
    """The message ids the stream holds, once it holds at least ``count`` (or the deadline)."""
    client = await nats.connect(server_url)
    try:
        js = client.jetstream()
        deadline = time.monotonic() + DEADLINE
        while (await js.stream_info(stream)).state.messages < count:
            assert time.monotonic() < deadline, f"the stream never held {count} messages"
            await asyncio.sleep(0.05)
        reader = await js.pull_subscribe(">", stream=stream)
        found: list[Msg] = []
        while len(found) < (await js.stream_info(stream)).state.messages:
            found += await reader.fetch(100, timeout=DEADLINE)
        return [m.headers["Nats-Msg-Id"] if m.headers else "" for m in found]
    finally:
        await client.close()


@pytest.mark.nats
async def test_the_relay_publishes_the_feed_and_what_comes_then_stops_and_resumes(
    record: tuple[str, SqlStore, list[str]], stream: tuple[str, str], nats_server_url: str
) -> None:
    database_url, store, feed = record
    to, stream_name = stream
    relay = await start_relay(database_url, to, "--batch", "7", "--poll", "0.05")
    await relay.line(r"flashsale relay 'warehouse' to nats://.*from the feed's beginning")
    await relay.line(rf"caught up: {len(feed)} events, up to {feed[-1]}")
    assert await stored_ids(nats_server_url, stream_name, len(feed)) == feed

    await store.close_orders(["ord_0003"], OrderStatus.CANCELLED, T0)  # while it runs
    await relay.line(rf"caught up: {len(feed) + 1} events")
    everything = await stored_ids(nats_server_url, stream_name, len(feed) + 1)
    assert everything[: len(feed)] == feed and len(everything) == len(feed) + 1
    output = await relay.stop(signal.SIGINT)
    assert f"stopped after publishing {len(feed) + 1} events" in output

    again = await start_relay(database_url, to, "--from-now")
    await again.line(r"resuming after cursor 0-\d+ \(Ctrl-C stops\)")
    await again.line(r"note: --from-start and --from-now apply to a relay's first run")
    output = await again.stop(signal.SIGTERM)
    assert "stopped after publishing 0 events" in output
    assert await stored_ids(nats_server_url, stream_name, len(feed) + 1) == everything


@pytest.mark.nats
async def test_a_second_relay_of_the_name_stands_by_until_the_first_stops(
    record: tuple[str, SqlStore, list[str]], stream: tuple[str, str], nats_server_url: str
) -> None:
    database_url, store, feed = record
    to, stream_name = stream
    first = await start_relay(database_url, to, "--poll", "0.05")
    await first.line(rf"caught up: {len(feed)} events")
    second = await start_relay(database_url, to, "--poll", "0.05")
    await second.line(r"another process holds relay:warehouse: standing by")
    await store.close_orders(["ord_0003"], OrderStatus.CANCELLED, T0)
    await first.line(rf"caught up: {len(feed) + 1} events")
    await first.stop(signal.SIGTERM)
    await store.close_orders(["ord_0006"], OrderStatus.CANCELLED, T0)
    await second.line(r"caught up: 1 event,")  # only what came after the first stopped
    await second.stop(signal.SIGINT)
    ids = await stored_ids(nats_server_url, stream_name, len(feed) + 2)
    assert ids[: len(feed)] == feed and len(ids) == len(feed) + 2


async def test_a_target_it_cannot_speak_to_is_refused_before_anything_starts(
    record: tuple[str, SqlStore, list[str]],
) -> None:
    database_url, _, _ = record
    relay = await start_relay(database_url, "kafka://127.0.0.1:9092")
    output, _ = await asyncio.wait_for(relay.process.communicate(), DEADLINE)
    assert relay.process.returncode == 2
    assert "kafka:// is not a broker it speaks" in output.decode()
