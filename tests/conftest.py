"""Fixtures shared by every tier: test settings, and the real servers when they are there.

Tests that need PostgreSQL or Redis read FLASHSALE_TEST_DATABASE_URL / FLASHSALE_TEST_REDIS_URL,
the relay's brokers FLASHSALE_TEST_NATS_URL (NATS with JetStream) / FLASHSALE_TEST_AMQP_URL.
Without the server they skip with the reason; with FLASHSALE_REQUIRE_SERVICES=1 (CI) a missing
server fails the test instead, so a green CI run means the real engines were exercised.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from flashsale.config import Settings
from flashsale.platform.sql.migrate import upgrade_database

DEFAULT_TEST_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_TEST_NATS_URL = "nats://127.0.0.1:4222"
DEFAULT_TEST_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


# The suite logs in and signs up far more often, from one address, than anyone should: limits
# out of its way. The tests of the limits set their own.
GENEROUS_AUTH_LIMITS: dict[str, Any] = {
    "password_hash_queue": 100_000,
    "auth_address_attempts": 1_000_000,
    "auth_address_attempts_per_minute": 1_000_000,
    "auth_address_failures": 1_000_000,
    "auth_address_failures_per_minute": 1_000_000,
    "auth_account_attempts": 1_000_000,
    "auth_account_attempts_per_minute": 1_000_000,
    "auth_account_failures": 1_000_000,
    "auth_account_failures_per_minute": 1_000_000,
}


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the head of every migration branch, migrated once a test process:
    copy it for a test's own database (a copy takes a fraction of migrating again)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "flashsale.db"
    asyncio.run(upgrade_database(sqlite_url(path)))
    return path


def fast_settings(**overrides: Any) -> Settings:
    """Settings for tests: cheap password hashing, fixed secrets, the memory store."""
    values: dict[str, Any] = {
        "database_url": "memory://",
        "admin_token": "test-admin-token-of-the-suite",
        "secret_key": "test-secret-key-of-the-whole-test-suite",
        "password_time_cost": 1,
        "password_memory_cost_kib": 8,
        "expiry_sweep_seconds": 0.05,
        # Tests move their clocks by hours: the worker's waves would take the orders a test
        # cuts by hand. The tests of the schedule switch it on (``Allocators.cut_waves``).
        "wave_every_minutes": 0,
        **GENEROUS_AUTH_LIMITS,
    }
    values.update(overrides)
    return Settings(**values)


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _service_url(env_name: str, default: str, default_port: int, what: str) -> str:
    url = os.environ.get(env_name, default)
    if not _reachable(url, default_port):
        reason = f"{what} is not reachable at {url} (set {env_name})"
        if os.environ.get("FLASHSALE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"FLASHSALE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of the PostgreSQL server for tests (a database that exists; see pg_database_url)."""
    return _service_url(
        "FLASHSALE_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL, 5432, "PostgreSQL"
    )


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    return _service_url("FLASHSALE_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL, 6379, "Redis")


@pytest.fixture(scope="session")
def nats_server_url() -> str:
    """A NATS server with JetStream enabled."""
    return _service_url("FLASHSALE_TEST_NATS_URL", DEFAULT_TEST_NATS_URL, 4222, "NATS")


@pytest.fixture(scope="session")
def amqp_server_url() -> str:
    """A RabbitMQ server, with a user allowed to declare exchanges and queues."""
    return _service_url("FLASHSALE_TEST_AMQP_URL", DEFAULT_TEST_AMQP_URL, 5672, "RabbitMQ")


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """A Redis Cluster of 3 masters this test session starts on free ports, and stops."""
    from flashsale.lab.devtools.redis_cluster import LocalRedisCluster, RedisClusterUnavailable

    cluster = LocalRedisCluster(3)
    try:
        cluster.start()
    except RedisClusterUnavailable as exc:
        if os.environ.get("FLASHSALE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"FLASHSALE_REQUIRE_SERVICES=1 but no Redis Cluster: {exc}")
        pytest.skip(f"no Redis Cluster: {exc}")
    try:
        yield cluster.url
    finally:
        cluster.stop()
