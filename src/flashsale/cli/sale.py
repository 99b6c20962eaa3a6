"""``flashsale sale``: create flash sales, list them, audit one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Protocol

import typer
from rich.console import Console

from flashsale.cli.queue import verify_queue
from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.service.auditing import Auditing
from flashsale.sales.service.sales import Sales, SaleSpec, SaleView
from flashsale.terminal import audit_table, sales_table

sale_app = typer.Typer(name="sale", help="Flash sales: create, list, audit.", no_args_is_help=True)

DEFAULT_DURATION = timedelta(hours=1)

At = Annotated[str | None, typer.Option(metavar="ISO-8601", show_default=False)]
In = Annotated[float | None, typer.Option(metavar="SECONDS", show_default=False)]


class SaleServices(Protocol):
    sales: Sales
    auditing: Auditing


def moment(name: str, at: str | None, in_seconds: float | None, now: datetime) -> datetime | None:
    """``--X-at`` as an ISO-8601 time with an offset (made UTC), or ``--X-in`` seconds from now."""
    if at is not None and in_seconds is not None:
        fail(f"give --{name}-at or --{name}-in, not both", code=2)
    if in_seconds is not None:
        return now + timedelta(seconds=in_seconds)
    if at is None:
        return None
    try:
        parsed = datetime.fromisoformat(at)
    except ValueError:
        fail(f"--{name}-at {at!r} is not an ISO-8601 time such as 2015-05-19T08:30:00Z", code=2)
    if parsed.tzinfo is None:
        fail(f"--{name}-at {at!r} needs an offset, such as Z for UTC", code=2)
    return parsed.astimezone(UTC)


@sale_app.command("create")
def create(
    ctx: typer.Context,
    sku: Annotated[str, typer.Option(help="The variant on sale, e.g. MIBAND2-BLK.")],
    market: Annotated[str, typer.Option(help="Market code, e.g. IN.")],
    stock: Annotated[int, typer.Option(min=1, help="Units on sale.")],
    limit: Annotated[int, typer.Option(min=1, help="Units one customer may buy.")] = 1,
    price: Annotated[
        str | None, typer.Option(help="Sale price; the list price in the market if unset.")
    ] = None,
    opens_at: At = None,
    opens_in: Annotated[
        float | None,
        typer.Option(metavar="SECONDS", help="Open this many seconds from now (or --opens-at)."),
    ] = None,
    closes_at: At = None,
    closes_in: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS", help="Close this many seconds from now; default: 1 h open."
        ),
    ] = None,
    registration_opens_at: At = None,
    registration_opens_in: Annotated[
        float | None, typer.Option(metavar="SECONDS", help="Default: registration opens now.")
    ] = None,
    registration_closes_at: At = None,
    registration_closes_in: Annotated[
        float | None, typer.Option(metavar="SECONDS", help="Default: at the opening.")
    ] = None,
    payment_window: Annotated[
        float, typer.Option(min=1, help="Seconds a buyer has to pay before the units return.")
    ] = 900.0,
) -> None:
    """Create a flash sale of one SKU in one market.

    Times are ISO-8601 with an offset (--X-at, e.g. 2015-05-19T08:30:00Z) or seconds from now
    (--X-in).
    """
    now = datetime.now(UTC)
    opening = moment("opens", opens_at, opens_in, now)
    if opening is None:
        fail("give --opens-at or --opens-in", code=2)
    spec = SaleSpec(
        sku=sku,
        market=market,
        stock=stock,
        per_customer_limit=limit,
        registration_opens_at=moment(
            "registration-opens", registration_opens_at, registration_opens_in, now
        )
        or now,
        registration_closes_at=moment(
            "registration-closes", registration_closes_at, registration_closes_in, now
        )
        or opening,
        opens_at=opening,
        closes_at=moment("closes", closes_at, closes_in, now) or opening + DEFAULT_DURATION,
        payment_window_seconds=payment_window,
        price=price,
    )

    async def create_sale(services: SaleServices) -> SaleView:
        sale = await services.sales.create(spec)
        return await services.sales.view(sale.id)

    view = run_in_shop(settings_of(ctx), create_sale)
    console = Console()
    console.print(sales_table([view]))
    console.print(f"created {view.sale.id}", soft_wrap=True, highlight=False)


@sale_app.command("list")
def list_sales(ctx: typer.Context) -> None:
    """Every flash sale, with its state and the units left."""

    async def views(services: SaleServices) -> list[SaleView]:
        return [await services.sales.view(sale.id) for sale in await services.sales.all()]

    shown = run_in_shop(settings_of(ctx), views)
    console = Console()
    if not shown:
        console.print("no flash sales yet: try `flashsale sale create --help`")
        return
    console.print(sales_table(shown))


@sale_app.command("audit")
def audit(
    ctx: typer.Context,
    sale_id: Annotated[str, typer.Argument(help="The sale's id, as `flashsale sale list` shows.")],
) -> None:
    """Check a sale's invariants from the record: exits 1 unless the audit is clean."""

    async def audited(services: SaleServices) -> SaleAudit:
        return await services.auditing.audit(sale_id)

    result = run_in_shop(settings_of(ctx), audited)
    Console().print(audit_table(result))
    if not result.clean:
        raise typer.Exit(1)


sale_app.command("verify-queue")(verify_queue)
