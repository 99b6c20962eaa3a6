"""Running a command's coroutine on uvloop and turning expected failures into clean exits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import typer
import uvloop
from rich.console import Console

from flashsale.bootstrap import DatabaseNotReady, Shop, running_shop
from flashsale.config import Settings
from flashsale.kernel.errors import DomainError, InvalidInput, NotFound
from flashsale.serving import ServingError

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
    except ServingError as exc:
        fail(str(exc))
    except DatabaseNotReady as exc:
        fail(str(exc), code=2)


def run_in_shop(settings: Settings, work: Callable[[Shop], Coroutine[Any, Any, T]]) -> T:
    """``work`` on a shop opened for it, then closed; ``work`` takes the services it reads."""

    async def opened() -> T:
        async with running_shop(settings) as shop:
            return await work(shop)

    return run(opened())
