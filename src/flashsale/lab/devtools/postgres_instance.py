"""Throwaway PostgreSQL for tests and benchmarks: a scratch database, or a whole private server.

``scratch_database`` makes a migrated database with a random name on a server others share and
drops it afterwards. ``PostgresInstance`` runs a server of its own (initdb into a temporary
directory, a free loopback port) that a fault test may stop and start mid-sale: the shared
server on 5432 must never be stopped, other people's tests run on it.

initdb and the server refuse to run as root, so as root they run as the ``postgres`` user
(``runuser``), in a directory that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from flashsale.lab.devtools.server_process import LOOPBACK, free_port
from flashsale.platform.sql.migrate import upgrade_database

SCRATCH_PREFIX = "flashsale_scratch_"
SERVER_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or no way to run them; the message says which."""


# scratch databases on a running server


@contextlib.asynccontextmanager
async def scratch_database(server_url: str, *, migrated: bool = True) -> AsyncIterator[str]:
    """A new database on the server at ``server_url`` (brought to head), dropped afterwards."""
    name = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await admin_statement(server_url, f'CREATE DATABASE "{name}"')
    try:
        if migrated:
            await upgrade_database(url)
        yield url
    finally:
        await admin_statement(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def admin_statement(any_database_url: str, statement: str) -> None:
    # CREATE/DROP DATABASE refuse to run in a transaction, and not on the database they name.
    admin_url = make_url(any_database_url).set(database="postgres")
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


# a private server


def server_binaries() -> Path:
    """The newest PostgreSQL server's bin directory (Debian keeps them off PATH)."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        key=lambda bin_dir: int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise PostgresUnavailable("no PostgreSQL server binaries (pg_ctl, initdb) on this machine")


class PostgresInstance:
    """A PostgreSQL server of our own on a free loopback port, trust auth, user ``postgres``.

    ``start``/``stop`` may be called any number of times; the data survives a stop, as it does
    for a real server restarted mid-sale. ``destroy`` stops it and removes every file.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._bin = server_binaries()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root, and runuser is missing to drop it")
            try:
                self._owner = pwd.getpwnam(SERVER_USER)
            except KeyError as exc:
                raise PostgresUnavailable(f"running as root, and no {SERVER_USER} user") from exc
        self.root = Path(tempfile.mkdtemp(prefix="flashsale-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if self._as_root:
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        self._initialised = False
        self.running = False

    @property
    def server_url(self) -> str:
        """The URL of the ``postgres`` database (create others with ``scratch_database``)."""
        return f"postgresql+asyncpg://postgres@{LOOPBACK}:{self.port}/postgres"

    def start(self) -> None:
        if not self._initialised:
            # --no-sync: a throwaway cluster need not wait for the disk to be initialised.
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                SERVER_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            )
            self._initialised = True
        options = (
            f"-p {self.port} -c listen_addresses={LOOPBACK}"
            f" -c unix_socket_directories={self.root} -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (what clients see when the server goes down); the
        committed data stays. ``immediate`` is a crash: recovery replays the WAL on start."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
            self.running = False

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, PostgresUnavailable):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self._bin / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}\n{log}"
            )


@contextlib.contextmanager
def postgres_instance() -> Iterator[PostgresInstance]:
    """A started private server, destroyed afterwards."""
    instance = PostgresInstance()
    try:
        instance.start()
        yield instance
    finally:
        instance.destroy()
