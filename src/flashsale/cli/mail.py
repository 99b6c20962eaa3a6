"""``flashsale mail``: the outbox, every mail the shop wrote to its customers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.cli.runtime import run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.notifications.domain.outbox import MailStatus, OutboxMail
from flashsale.notifications.service.notifications import MAX_LISTED, Notifications

mail_app = typer.Typer(
    name="mail",
    help="The outbox: the mail the shop wrote, sent or kept (without FLASHSALE_SMTP_URL).",
    no_args_is_help=True,
)


class MailServices(Protocol):
    notifications: Notifications


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def mails_table(mails: list[OutboxMail]) -> Table:
    table = Table(title="Outbox, newest first")
    for name in ("id", "written (UTC)", "status", "tries", "to", "template", "subject"):
        table.add_column(name, overflow="fold")
    for m in mails:
        table.add_row(
            m.id,
            _when(m.created_at),
            m.status.value,
            str(m.attempts),
            m.to,
            f"{m.template} ({m.locale})",
            m.mail.subject,
        )
    return table


@mail_app.command("list")
def list_mails(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LISTED, help="Mails to show.")] = 50,
    before: Annotated[
        str | None,
        typer.Option(metavar="MAIL_ID", help="Older than this mail: the next page."),
    ] = None,
    status: Annotated[MailStatus | None, typer.Option(help="Only mails in this state.")] = None,
) -> None:
    """The newest mails in the outbox."""

    async def recent(services: MailServices) -> list[OutboxMail]:
        return await services.notifications.recent(limit, before, status)

    mails = run_in_shop(settings_of(ctx), recent)
    console = Console()
    if not mails:
        console.print("no mail in the outbox" + (" before that one" if before else ""))
        return
    console.print(mails_table(mails))
    if len(mails) == limit:
        console.print(f"older: flashsale mail list --before {mails[-1].id}", highlight=False)


@mail_app.command("show")
def show(
    ctx: typer.Context,
    mail_id: Annotated[str, typer.Argument(help="The mail's id, as `flashsale mail list` shows.")],
    html: Annotated[
        bool, typer.Option("--html", help="Print the HTML part, not the text.")
    ] = False,
) -> None:
    """One mail: its delivery, its headers and its text (or HTML)."""

    async def found(services: MailServices) -> OutboxMail:
        return await services.notifications.find(mail_id)

    mail = run_in_shop(settings_of(ctx), found)
    facts = [
        ("id", mail.id),
        ("to", mail.to),
        ("subject", mail.mail.subject),
        ("template", f"{mail.template} ({mail.locale})"),
        ("status", mail.status.value),
        ("attempts", str(mail.attempts)),
        ("written (UTC)", _when(mail.created_at)),
        ("next attempt (UTC)", _when(mail.next_attempt_at)),
        ("sent (UTC)", _when(mail.sent_at)),
        ("last error", mail.last_error or ""),
    ]
    console = Console(highlight=False, soft_wrap=True)
    for name, value in facts:
        if value:
            console.print(f"{name + ':':<20} {value}", markup=False)
    console.print()
    if html:
        console.print(mail.mail.html or "(this mail has no HTML part)", markup=False)
    else:
        console.print(mail.mail.text, markup=False, end="")
