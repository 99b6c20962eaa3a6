"""Start a throwaway Redis Cluster on loopback: N masters on free ports in a temporary directory.

Tests and benchmarks use it to run the gate on a real cluster without touching the shared Redis.
Each node is ``redis-server`` in cluster mode, in the foreground as our child, with persistence
off; ``redis-cli --cluster create`` assigns the slots. ``url`` is what FLASHSALE_REDIS_URL takes.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from flashsale.lab.devtools.server_process import LOOPBACK

CLUSTER_SCHEME = "redis+cluster"
BUS_PORT_OFFSET = 10_000  # each node also listens on port + 10000 for the cluster bus


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_node_port(taken: set[int]) -> int:
    """A port that is free and whose cluster-bus port (port + 10000) is free and below 65536."""
    for _ in range(1000):
        port = random.randint(20_000, 55_000)
        bus = port + BUS_PORT_OFFSET
        if taken.isdisjoint({port, bus}) and _bindable(port) and _bindable(bus):
            taken.update({port, bus})
            return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


class RedisClusterUnavailable(RuntimeError):
    """redis-server or redis-cli is not installed."""


class LocalRedisCluster:
    def __init__(self, masters: int = 3, *, directory: Path | None = None) -> None:
        if masters < 3:
            raise ValueError("a Redis Cluster needs at least 3 masters")
        self.masters = masters
        taken: set[int] = set()
        self.ports = [free_node_port(taken) for _ in range(masters)]
        self._directory = directory
        self._own_directory: tempfile.TemporaryDirectory[str] | None = None
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"{CLUSTER_SCHEME}://" + ",".join(f"{LOOPBACK}:{port}" for port in self.ports)

    def start(self, timeout: float = 30.0) -> None:
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if server is None or cli is None:
            raise RedisClusterUnavailable("redis-server and redis-cli must be on PATH")
        if self._directory is None:
            self._own_directory = tempfile.TemporaryDirectory(prefix="flashsale-cluster-")
            self._directory = Path(self._own_directory.name)
        try:
            for port in self.ports:
                self._processes.append(self._spawn(server, port))
            deadline = time.monotonic() + timeout
            for port in self.ports:
                self._wait(cli, port, ["PING"], "PONG", deadline)
            nodes = [f"{LOOPBACK}:{port}" for port in self.ports]
            subprocess.run(
                [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
            for port in self.ports:
                self._wait(cli, port, ["CLUSTER", "INFO"], "cluster_state:ok", deadline)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, server: str, port: int) -> subprocess.Popen[bytes]:
        assert self._directory is not None
        node_dir = self._directory / str(port)
        node_dir.mkdir(parents=True, exist_ok=True)
        log = open(node_dir / "redis.log", "ab")  # noqa: SIM115 - the child keeps it open
        try:
            return subprocess.Popen(
                [
                    server,
                    "--port",
                    str(port),
                    "--bind",
                    LOOPBACK,
                    "--dir",
                    str(node_dir),
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "5000",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()

    def _wait(
        self, cli: str, port: int, command: list[str], expected: str, deadline: float
    ) -> None:
        while True:
            answer = subprocess.run(
                [cli, "-h", LOOPBACK, "-p", str(port), *command],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            if expected in answer.stdout:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis node {port} never answered {expected!r}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL) and remove the temporary directory."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._processes.clear()
        if self._own_directory is not None:
            self._own_directory.cleanup()
            self._own_directory = None
            self._directory = None


@contextlib.contextmanager
def running_redis_cluster(masters: int = 3) -> Iterator[LocalRedisCluster]:
    cluster = LocalRedisCluster(masters)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
