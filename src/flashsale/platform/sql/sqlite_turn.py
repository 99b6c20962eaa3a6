"""Whose turn it is to write a SQLite file, among the shop's processes on its machine.

SQLite's write lock is not queued for: a writer that finds it taken sleeps and tries again.
Tried from Python, every try costs the writer's thread the GIL twice, and a busy event loop
gives the GIL back only when forced to, every switch interval (5 ms): beside a till server
committing ~130 times a second, the shop's writer waited ~20 ms a collision and the purchases
fell to 0.80x of themselves. SQLite's own busy handler waits without the GIL, but sleeps 1, 2,
5, 10 ms … between tries, and the tills' server then missed turn after turn behind the shop's
back-to-back commits (its sales' p99 went from 25 to 270 ms; benchmarks/purchase_beside.py
--load pos).

So each of the shop's writers (a serving process's writer thread, the batch process) first
takes an exclusive ``flock`` on a file beside the database, blocking in the kernel without the
GIL, and holds it until its transaction has committed or rolled back. The kernel wakes a
waiter the moment the holder lets go, and its ``BEGIN IMMEDIATE`` then finds SQLite's lock
free, unless a writer that takes no turn holds it (a migration, the sqlite3 shell): that one
is still waited for in short sleeps, under the busy timeout. The lock is the kernel's: a
process that dies, however, lets go. A writer stopped in the middle of its transaction stops
the others as SQLite's own lock would, except that they wait for it rather than fail after
the busy timeout.

The kernel does not queue for a ``flock`` either: it wakes the waiters when the holder lets
go, and a holder with its next transaction ready can take the free lock again before a woken
waiter has run: on a saturated machine, behind the shop's back-to-back group commits in a storm,
the tills' writer can lose that race turn after turn (14 in a row, once, in a test on a loaded
machine). So a writer that waits says so first, with a
shared ``flock`` on a second file held until it has its turn; a writer about to take a free
turn sees it (its exclusive try on that file fails) and steps back until every such waiter has
had its turn, then waits as they did. Two writers that both want turn after turn take them in turn.

One turn per writer, each with a descriptor of its own: ``flock`` locks belong to an open
file, so two writers of one process exclude each other as two processes do.

A turn that is free is taken, and every turn given back, without letting go of the GIL: the
calls go to libc through ``ctypes.PyDLL``, which keeps it, where ``fcntl.flock`` lets it go
and the writer's thread then waits up to a switch interval to have it back, holding the
turn, or with its transaction's answer (two such waits a transaction of the purchase path,
benchmarks/purchase_path.py). Only a turn that is taken is waited for in ``fcntl.flock``.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from flashsale.platform.file_leadership import lock_path

ROLE = "writer"
WAITING = "writer-waiting"  # held shared by every writer waiting for its turn
_LIBC = ctypes.PyDLL(None, use_errno=True)  # calls that keep the GIL: each is one short syscall


class WriterTurn:
    def __init__(self, database: str | None) -> None:
        """``database``: the SQLite file; None (in memory) takes no turn: one process alone
        can write it."""
        self._files: tuple[int, int] | None = None  # the turn's lock file, the waiting one
        if database is not None:
            beside = Path(database).resolve()
            self._files = (_open(lock_path(beside, ROLE)), _open(lock_path(beside, WAITING)))

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """This writer's turn, for one transaction."""
        if self._files is None:
            yield
            return
        turn, waiting = self._files
        if not _take_if_free(turn, waiting):
            _wait_for_turn(turn, waiting)
        try:
            yield
        finally:
            _flock(turn, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._files is not None:
            for descriptor in self._files:
                os.close(descriptor)
            self._files = None


def _take_if_free(turn: int, waiting: int) -> bool:
    """The turn, if it is free and no other writer waits for it."""
    if not _try(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB):
        # Another writer waits: until each has had its turn (each lets go of the waiting file
        # once it holds the turn). Waits in the kernel, without the GIL.
        fcntl.flock(waiting, fcntl.LOCK_EX)
        _flock(waiting, fcntl.LOCK_UN)
        return False
    try:
        return _try(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        _flock(waiting, fcntl.LOCK_UN)


def _wait_for_turn(turn: int, waiting: int) -> None:
    fcntl.flock(waiting, fcntl.LOCK_SH)  # "a writer waits", seen by the holder
    try:
        fcntl.flock(turn, fcntl.LOCK_EX)  # waits in the kernel, without the GIL
    finally:
        _flock(waiting, fcntl.LOCK_UN)


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _try(descriptor: int, operation: int) -> bool:
    try:
        _flock(descriptor, operation)
    except BlockingIOError:
        return False
    except InterruptedError:
        return False  # taken the waiting way, which retries
    return True


def _flock(descriptor: int, operation: int) -> None:
    if _LIBC.flock(descriptor, operation) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
