"""Open redis-py's asyncio client for FLASHSALE_REDIS_URL: one server, or a Redis Cluster.

``redis://host:port/db`` (or ``rediss://``, ``unix://``) names one server.
``redis+cluster://[user:password@]host:port,host:port,...`` names a Redis Cluster by any of its
nodes; the client discovers the rest and routes each call to the node owning its key's slot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import unquote

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import (
    ClusterError,
    NoScriptError,
    ReadOnlyError,
    RedisClusterException,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

CLUSTER_SCHEMES = ("redis+cluster://",)
AnyRedis: TypeAlias = Redis | RedisCluster
ScriptCall: TypeAlias = tuple[list[str], list[str | int]]  # keys, args


@dataclass(frozen=True, slots=True)
class ClusterAddress:
    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = None


def is_cluster_url(url: str) -> bool:
    return url.startswith(CLUSTER_SCHEMES)


def parse_cluster_url(url: str) -> ClusterAddress:
    if not is_cluster_url(url):
        raise ValueError(f"not a cluster URL (redis+cluster://host:port,...): {url}")
    rest = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
    username = password = None
    if "@" in rest:
        userinfo, rest = rest.rsplit("@", 1)
        user, _, secret = userinfo.partition(":")
        username, password = unquote(user) or None, unquote(secret) or None
    nodes: list[tuple[str, int]] = []
    for node in filter(None, (part.strip() for part in rest.split(","))):
        host, sep, port = node.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"a cluster node must be host:port, got {node!r} in {url}")
        nodes.append((host.strip("[]"), int(port)))
    if not nodes:
        raise ValueError(f"a cluster URL names no node: {url}")
    return ClusterAddress(tuple(nodes), username, password)


# What a Redis that is restarting, failing over or resharding answers: a moment, not a bug.
UNREACHABLE: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ClusterError,
    RedisClusterException,
    ReadOnlyError,
    TryAgainError,
)


async def open_redis(url: str, *, max_connections: int = 64) -> AnyRedis:
    """A connected client; callers wait for a free connection rather than fail."""
    client: AnyRedis
    if is_cluster_url(url):
        address = parse_cluster_url(url)
        client = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in address.nodes],
            username=address.username,
            password=address.password,
            max_connections=max_connections,
        )
        try:
            await client.initialize()
        except Exception:
            await client.aclose()
            raise
        return client
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections)
    client = Redis.from_pool(pool)
    try:
        await client.ping()
    except Exception:
        await client.aclose()
        raise
    return client


async def subscriber_for(url: str, client: AnyRedis, attempt: int) -> Redis:
    """A plain connection to subscribe with: any node of a cluster hears every PUBLISH.

    Successive attempts go round the cluster's primaries, so a dead node is skipped.
    """
    if isinstance(client, RedisCluster):
        nodes = client.get_primaries() or client.get_nodes()
        node = nodes[attempt % len(nodes)]
        address = parse_cluster_url(url)
        return Redis(
            host=node.host,
            port=int(node.port),
            username=address.username,
            password=address.password,
        )
    return Redis.from_url(url)


async def run_script_calls(
    redis: AnyRedis, script: AsyncScript, calls: Sequence[ScriptCall]
) -> list[Any]:
    """Run one script per call in a single round trip (per cluster node).

    redis-py's pipeline would ask SCRIPT EXISTS before every execute, a second round trip
    on the hot path; instead EVALSHA goes as is and only the calls the server answered with
    NOSCRIPT (which therefore ran nothing) are sent again through the Script, which loads it.
    """
    if not calls:
        return []
    if len(calls) == 1:
        keys, args = calls[0]
        return [await script(keys=keys, args=args)]
    if isinstance(redis, RedisCluster):
        # A cluster pipeline refuses EVALSHA: the calls go out together, each to its node.
        answers = await asyncio.gather(
            *(script(keys=keys, args=args) for keys, args in calls), return_exceptions=True
        )
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        return list(answers)
    async with redis.pipeline(transaction=False) as pipe:
        for keys, args in calls:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        replies: list[Any] = await pipe.execute(raise_on_error=False)
    for index, reply in enumerate(replies):
        if isinstance(reply, NoScriptError):
            keys, args = calls[index]
            replies[index] = await script(keys=keys, args=args)
        elif isinstance(reply, Exception):
            raise reply
    return replies
