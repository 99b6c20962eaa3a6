"""``flashsale sale verify-queue SALE``: check a sale's published pre-queue against its seed.

From the shop's database (the operator), or from any running shop's public fairness endpoint
with ``--url`` (anyone, once the seed is revealed after the sale): either way the order of the
published pseudonyms is recomputed here, by ``domain.fairness.verify``, not taken from the
server's word. With ``--customer`` a fan also checks their own line: the pseudonym the seed
gives their id must be in the list (so nobody was left out or renamed to move them).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.service.room import WaitingRoom


class QueueServices(Protocol):
    room: WaitingRoom


def _from_url(url: str, sale_id: str) -> tuple[bytes, str, list[tuple[str, int]]]:
    address = f"{url.rstrip('/')}/api/v1/sales/{sale_id}/queue/fairness"
    try:
        with urllib.request.urlopen(address, timeout=30) as answer:
            body = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        fail(f"{address} answered {exc.code}", code=2)
    except (urllib.error.URLError, OSError) as exc:
        fail(f"cannot reach {address}: {exc}", code=2)
    if not body.get("revealed") or body.get("seed") is None:
        fail("the seed is not revealed yet: it is published once the sale is over", code=2)
    positions = [(str(p["pseudonym"]), int(p["position"])) for p in body["positions"]]
    return bytes.fromhex(body["seed"]), str(body["commitment"]), positions


def verify_queue(
    ctx: typer.Context,
    sale_id: Annotated[str, typer.Argument(help="The sale's id, as `flashsale sale list` shows.")],
    url: Annotated[
        str | None,
        typer.Option(help="Check a running shop's public record instead of the database."),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option(help="A customer id: also check that customer's place in the list."),
    ] = None,
) -> None:
    """Recompute the pre-queue order from the revealed seed: exits 1 when it does not match."""
    if url is not None:
        seed, commitment, positions = _from_url(url, sale_id)
    else:

        async def read(services: QueueServices) -> tuple[bytes, str, list[tuple[str, int]]]:
            report = await services.room.fairness(sale_id, reveal=True)
            return report.room.seed, report.room.commitment, report.positions

        seed, commitment, positions = run_in_shop(settings_of(ctx), read)
    check = fairness.verify(seed, commitment, positions)
    table = Table(title=f"pre-queue of {sale_id}", show_header=False)
    table.add_row("commitment", commitment)
    table.add_row("seed matches commitment", "yes" if check.commitment_ok else "[red]NO[/red]")
    table.add_row("positions checked", str(check.checked))
    table.add_row("order matches seed", "yes" if check.order_ok else "[red]NO[/red]")
    for position, published, expected in check.mismatches:
        table.add_row(f"position {position}", f"published {published}, seed gives {expected}")
    listed = True
    if customer is not None:
        mine = fairness.pseudonym(seed, customer)
        place = next((p for name, p in positions if name == mine), None)
        listed = place is not None
        table.add_row(f"pseudonym of {customer}", mine)
        table.add_row("their place", str(place) if listed else "[red]NOT LISTED[/red]")
    console = Console()
    console.print(table)
    if not check.ok:
        console.print("[red]the published order does not match the committed seed[/red]")
        raise typer.Exit(1)
    if not listed:
        console.print(
            f"[red]{customer} is not in the published pre-queue[/red]"
            " (as it should be only for a fan who joined after the opening)"
        )
        raise typer.Exit(1)
    console.print("the published order is the one the committed seed gives")
