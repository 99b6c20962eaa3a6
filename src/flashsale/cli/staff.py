"""``flashsale staff``: add staff members with their roles, list them, disable one.

The password is asked for twice without echo, or read from the first line of standard input
with ``--password-stdin`` (scripts): never an option, which would sit in the shell's history
and in the process list.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.staff.model import Role, StaffMember
from flashsale.staff.service import StaffDirectory, StaffSpec

staff_app = typer.Typer(
    name="staff", help="Staff members: add, list, disable.", no_args_is_help=True
)

ROLES = ", ".join(role.value for role in Role)


class StaffServices(Protocol):
    staff: StaffDirectory


def _words(values: Iterable[str] | None) -> list[str]:
    """``--role agent --role clerk`` or ``--role agent,clerk``."""
    return [word.strip() for value in values or () for word in value.split(",") if word.strip()]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            fail("--password-stdin: standard input is empty", code=2)
        return line.rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def staff_table(members: Sequence[StaffMember]) -> Table:
    table = Table(title="Staff")
    for name in ("id", "email", "roles", "markets", "languages", "active", "since (UTC)"):
        table.add_column(name, overflow="fold")
    for member in members:
        table.add_row(
            member.id,
            member.email,
            ", ".join(role.value for role in Role if role in member.roles),
            ", ".join(sorted(member.markets)) or "all",
            ", ".join(member.languages) or "-",
            "[green]yes" if member.active else "[red]no",
            member.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    return table


@staff_app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Their email: how they log in.")],
    role: Annotated[
        list[str] | None, typer.Option(help=f"A role ({ROLES}); repeat it, or use commas.")
    ] = None,
    market: Annotated[
        list[str] | None,
        typer.Option(help="A market they serve, e.g. IN; repeat it. None: every market."),
    ] = None,
    language: Annotated[
        list[str] | None,
        typer.Option(help="A language they speak, e.g. en, zh, hi; repeat it, most fluent first."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Add a staff member who logs in with their email and a password."""
    roles = _words(role)
    if not roles:
        fail(f"give at least one --role ({ROLES})", code=2)
    spec = StaffSpec(email, _password(password_stdin), roles, _words(market), _words(language))

    async def added(services: StaffServices) -> StaffMember:
        return await services.staff.add(spec)

    member = run_in_shop(settings_of(ctx), added)
    console = Console()
    console.print(staff_table([member]))
    console.print(f"added {member.id}", soft_wrap=True, highlight=False)


@staff_app.command("list")
def list_staff(ctx: typer.Context) -> None:
    """Every staff member, disabled ones too."""

    async def members(services: StaffServices) -> list[StaffMember]:
        return await services.staff.members()

    shown = run_in_shop(settings_of(ctx), members)
    console = Console()
    if not shown:
        console.print("no staff yet: try `flashsale staff add --help`")
        return
    console.print(staff_table(shown))


@staff_app.command("disable")
def disable(
    ctx: typer.Context,
    id_or_email: Annotated[str, typer.Argument(help="The member's id (stf_…) or email.")],
) -> None:
    """Disable a staff member: they can no longer log in, and every session of theirs ends."""

    async def disabled(services: StaffServices) -> StaffMember:
        return await services.staff.disable(id_or_email)

    member = run_in_shop(settings_of(ctx), disabled)
    Console().print(
        f"disabled {member.id} ({member.email}): every session of theirs has ended",
        soft_wrap=True,
        highlight=False,
    )
