"""The relay on a PostgreSQL record: of two processes relaying under one name, the holder of the
advisory lock publishes the feed and the other stands by, publishing nothing."""

from __future__ import annotations

import asyncio
import time

import pytest

from flashsale.bootstrap import relaying, running_shop
from flashsale.relay.domain.targets import parse_target
from flashsale.relay.service.relay import RelayTiming
from tests.conftest import fast_settings
from tests.contract.conftest import migrated_postgres_database
from tests.unit.relay.fakes import FakeBroker, RecordingWatcher, feed_of

pytestmark = pytest.mark.postgres

QUICK = RelayTiming(poll_seconds=0.02, standby_seconds=0.02, first_retry_seconds=0.02)
DEADLINE = 60.0


async def test_one_relay_per_name_publishes_across_processes(postgres_server_url: str) -> None:
    target = parse_target("nats://127.0.0.1:4222")  # never reached: the brokers are fakes
    async with migrated_postgres_database(postgres_server_url) as url:
        settings = fast_settings(database_url=url)
        async with running_shop(settings) as one, running_shop(settings) as other:
            feed = await feed_of(one.store, 30)
            brokers = FakeBroker(), FakeBroker()
            watchers = RecordingWatcher(), RecordingWatcher()
            stopping = asyncio.Event()
            async with (
                relaying(
                    one,
                    target,
                    "w",
                    batch=7,
                    timing=QUICK,
                    watcher=watchers[0],
                    publisher=brokers[0],
                ) as first,
                relaying(
                    other,
                    target,
                    "w",
                    batch=7,
                    timing=QUICK,
                    watcher=watchers[1],
                    publisher=brokers[1],
                ) as second,
            ):
                runs = [asyncio.create_task(r.run(stopping)) for r in (first, second)]
                deadline = time.monotonic() + DEADLINE
                while not any(w.idle_at for w in watchers) or not any(
                    w.standing_by_roles for w in watchers
                ):
                    assert time.monotonic() < deadline, "no relay caught up while one stood by"
                    await asyncio.sleep(0.02)
                stopping.set()
                await asyncio.wait_for(asyncio.gather(*runs), DEADLINE)
            leader, follower = sorted(brokers, key=lambda b: len(b.ids), reverse=True)
            assert leader.ids == feed
            assert follower.ids == [] and follower.connects == 0
