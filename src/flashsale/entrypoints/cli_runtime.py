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
from flashsale.crowd.simulation import CrowdError
from flashsale.domain.errors import DomainError, InvalidInput, NotFound
from flashsale.entrypoints.cli_serving import ServingError

T = TypeVar("T")


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


async def prepare_database(settings: Settings) -> None:
    """The embedded SQLite database creates and upgrades itself; a server's is upgraded by hand."""
    if settings.is_sqlite:
        from flashsale.adapters.sql.migrate import upgrade_database

        await upgrade_database(settings.database_url)


@contextlib.asynccontextmanager
async def opened_shop(settings: Settings) -> AsyncIterator[Shop]:
    await prepare_database(settings)
    shop = await build_shop(settings)
    try:
        yield shop
    finally:
        await shop.aclose()
