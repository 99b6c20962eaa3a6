"""Running a command's coroutine on uvloop and turning expected failures into clean exits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any, NoReturn, TypeVar

import typer
import uvloop
from rich.console import Console

from flashsale.bootstrap import Shop, build_shop
from flashsale.config import Settings
from flashsale.http.server import ServingError
from flashsale.kernel.errors import DomainError, InvalidInput, NotFound
from flashsale.lab.crowd.simulation import CrowdError

T = TypeVar("T")


class DatabaseNotReady(RuntimeError):
    """The record's schema is not the one this code was written for."""


def fail(message: str, code: int = 1) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/red] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def run(work: Coroutine[Any, Any, T]) -> T:
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(work)
    except (InvalidInput, NotFound) as exc:
        fail(exc.detail, code=2)  # what the command was asked is wrong, as with a bad option
    except DomainError as exc:
        fail(exc.detail)
    except (ServingError, CrowdError) as exc:
        fail(str(exc))
    except DatabaseNotReady as exc:
        fail(str(exc), code=2)


async def prepare_database(settings: Settings) -> None:
    """The embedded SQLite database creates and upgrades itself; a server's is upgraded by hand,
    and a process refuses to start on one that was not (rather than fail on its first query)."""
    if settings.database_url.startswith("memory:"):
        return
    from flashsale.platform.sql.migrate import current_revision, head_revision, upgrade_database

    if settings.is_sqlite:
        await upgrade_database(settings.database_url)
        return
    at, wanted = await current_revision(settings.database_url), head_revision()
    if at != wanted:
        state = (
            "was never migrated" if at is None else f"is at revision {at}, this code needs {wanted}"
        )
        raise DatabaseNotReady(
            f"the database {settings.database_url.split('@')[-1]} {state}:"
            " run `flashsale db upgrade` (once, from one machine) and start again"
        )


@contextlib.asynccontextmanager
async def opened_shop(settings: Settings) -> AsyncIterator[Shop]:
    await prepare_database(settings)
    shop = await build_shop(settings)
    try:
        yield shop
    finally:
        await shop.aclose()
