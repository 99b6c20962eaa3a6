"""``flashsale demo``: the Mi Band sale in India, re-enacted on this machine; ``flashsale db
seed``: the story's markets and catalogue alone.

The command line's door to the lab (with simulate.py): no other command imports it.
"""

from __future__ import annotations

from typing import Annotated, Protocol

import typer
from rich.console import Console

from flashsale.bootstrap import running_shop
from flashsale.catalog.images import ProductImages
from flashsale.catalog.service import Catalog
from flashsale.channels.service.assembly import Channels
from flashsale.cli.db import db_app
from flashsale.cli.runtime import fail, run, run_in_shop
from flashsale.cli.settings import refined, settings_of
from flashsale.config import DEFAULT_DATABASE_URL, Settings
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.lab.crowd.arrivals import ArrivalCurve
from flashsale.lab.crowd.behaviour import CrowdPlan
from flashsale.lab.crowd.simulation import CrowdError
from flashsale.lab.demo.channels import seed_channels
from flashsale.lab.demo.seeding import seed_catalogue, seed_markets
from flashsale.lab.demo.showcase import DemoOptions, run_demo
from flashsale.lab.demo.stores import seed_stores
from flashsale.lab.demo.warehouses import seed_warehouses
from flashsale.stores.service.assembly import Stores
from flashsale.terminal import paragraphs

# The demo keeps its own file in the working directory, away from a real ./flashsale.db.
DEMO_DATABASE_URL = "sqlite+aiosqlite:///./flashsale-demo.db"
DEMO_TAIL_SECONDS = 1.0

demo_app = typer.Typer()


class SeedServices(Protocol):
    catalog: Catalog
    product_images: ProductImages

    @property
    def fulfilment(self) -> Fulfilment: ...

    @property
    def stores(self) -> Stores: ...

    @property
    def channels(self) -> Channels: ...


def demo(
    ctx: typer.Context,
    stock: Annotated[int, typer.Option(min=1, help="Bands on sale.")] = 1000,
    fans: Annotated[
        int | None, typer.Option(min=0, help="Simulated fans; default: 3 x the stock.")
    ] = None,
    opens_in: Annotated[
        float, typer.Option(min=0.5, help="Seconds from now until the sale opens.")
    ] = 5.0,
    payment_window: Annotated[
        float,
        typer.Option(min=1, help="Seconds to pay; short, to see unpaid units return to sale."),
    ] = 10.0,
    abandon_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share of buyers who never pay.")
    ] = 0.1,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 8000,
    simulate: Annotated[
        bool, typer.Option(help="Let the simulated crowd in (otherwise just seed and serve).")
    ] = True,
    preregister: Annotated[
        bool,
        typer.Option(
            help="Register the fans in bulk beforehand; with --no-preregister each registers"
            " anew over HTTP (one commit each: give it a longer --opens-in)."
        ),
    ] = True,
    exit_after_sale: Annotated[
        bool,
        typer.Option(
            "--exit-after-sale",
            help="Exit after the sale's audit (0 when clean, 1 otherwise); for CI.",
        ),
    ] = False,
    seed: Annotated[int | None, typer.Option(help="Random seed of the crowd's behaviour.")] = None,
) -> None:
    """Re-enact the Mi Band flash sale in India, with a crowd of fans, on 127.0.0.1.

    Seeds the story (six markets; Mi 6, Mi Band 2, Mi Power Bank), opens a flash sale of the
    band and serves the API; the crowd registers, buys at the opening second, mostly pays,
    and the sale's audit is printed at the end.

    The database is ./flashsale-demo.db unless --database-url or FLASHSALE_DATABASE_URL says
    otherwise; running again adds a new sale beside the old ones.
    """
    settings = settings_of(ctx)
    if settings.database_url == DEFAULT_DATABASE_URL:
        settings = refined(settings, database_url=DEMO_DATABASE_URL)
    options = DemoOptions(
        stock=stock,
        fans=3 * stock if fans is None else fans,
        opens_in_seconds=opens_in,
        payment_window_seconds=payment_window,
        port=port,
        simulate=simulate,
        preregister=preregister,
        exit_after_sale=exit_after_sale,
        plan=CrowdPlan(
            abandon_share=abandon_share,
            seed=seed,
            preregistered=preregister,
            # A showcase, not a rehearsal: the stragglers' tail is short so the demo ends soon
            # after the sell-out (`flashsale simulate` keeps the long tail of a real day).
            arrival=ArrivalCurve(tail_seconds=DEMO_TAIL_SECONDS),
        ),
    )
    code = run(_demo(settings, options))
    raise typer.Exit(code)


demo_app.command("demo", help=paragraphs(demo.__doc__))(demo)


async def _demo(settings: Settings, options: DemoOptions) -> int:
    try:
        async with running_shop(settings) as shop:
            return await run_demo(shop, options, Console())
    except CrowdError as exc:
        fail(str(exc))


@db_app.command("seed")
def db_seed(ctx: typer.Context) -> None:
    """Add the demo's markets and catalogue (CN, IN, GR, ID, RU, US; Mi 6, Mi Band 2, power bank).

    Only what is missing is added, so running it again changes nothing.
    """

    async def seed(services: SeedServices) -> tuple[int, int, int, int]:
        markets = await seed_markets(services.catalog)
        products = await seed_catalogue(services.catalog, images=services.product_images)
        dcs, units = await seed_warehouses(services.catalog, services.fulfilment)
        partners, pooled = await seed_channels(
            services.catalog, services.fulfilment, services.channels
        )
        Console().print(f"added {partners} channels and pooled {pooled:,} units for partners")
        shops, shelved = await seed_stores(services.catalog, services.fulfilment, services.stores)
        Console().print(f"added {shops} stores and put {shelved:,} units on their shelves")
        return markets, products, dcs, units

    markets, products, dcs, units = run_in_shop(settings_of(ctx), seed)
    Console().print(f"added {markets} markets and {products} products")
    Console().print(f"added {dcs} distribution centres and received {units:,} units")
