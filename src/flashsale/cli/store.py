"""``flashsale store`` and ``flashsale pos``: stores and their tills, and a POS sale from a
script.

``pos sell`` runs on the shop's own host, so it holds its till itself (the store's till named
``cli``, added on first use; its token is never shown) and sells as one of the store's clerks,
through the same use case, transaction and checks as a till's sale.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.staff.service import StaffDirectory
from flashsale.stores.domain.receipt import format_money
from flashsale.stores.domain.sale import PosSale, TenderMethod
from flashsale.stores.domain.store import DEFAULT_TRANSFER_DAYS, WEEKDAYS, Store
from flashsale.stores.domain.till import Till
from flashsale.stores.service.assembly import Stores
from flashsale.stores.service.directory import StoreSpec
from flashsale.stores.service.selling import SaleRequest

CLI_TILL = "cli"

store_app = typer.Typer(
    name="store", help="Stores: add, list, and their tills.", no_args_is_help=True
)
till_app = typer.Typer(
    name="till", help="A store's tills: add (token shown once), revoke.", no_args_is_help=True
)
store_app.add_typer(till_app)
pos_app = typer.Typer(name="pos", help="The point of sale, for scripts.", no_args_is_help=True)


class StoreServices(Protocol):
    staff: StaffDirectory

    @property
    def stores(self) -> Stores: ...


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def parse_hours(text: str) -> dict[str, str | None]:
    """``mon-sat=10:00-21:00,sun=11:00-20:00`` as the week the store keeps."""
    hours: dict[str, str | None] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        days, sep, span = item.partition("=")
        if not sep:
            raise InvalidInput(f"--hours: {item[:30]!r} is not DAYS=HH:MM-HH:MM")
        first, _, last = days.strip().lower().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise InvalidInput(f"--hours: {days[:20]!r} is not a weekday or a range of them")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        for day in WEEKDAYS[start : end + 1]:
            hours[day] = span.strip()
    return hours


def store_table(stores: Sequence[Store]) -> Table:
    table = Table(title="Stores")
    for name in ("code", "name", "market", "hours", "pickup", "ships online", "clerks"):
        table.add_column(name, overflow="fold")
    for store in stores:
        hours = ", ".join(f"{d} {h}" for d, h in store.profile.hours_by_day().items() if h)
        table.add_row(
            store.code,
            store.location.name,
            store.location.market_code,
            hours or "closed",
            pickup_cell(store),
            "yes" if store.profile.ships_online else "no",
            str(len(store.clerks)),
        )
    return table


def pickup_cell(store: Store) -> str:
    profile = store.profile
    if not profile.pickup:
        return "no"
    waits = f"{profile.pickup_days} days"
    if profile.pickup_by_transfer:
        return f"{waits}; from a DC in {profile.transfer_days} days"
    return waits


@store_app.command("add")
def store_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Its location code, e.g. MH-BLR.")],
    name: Annotated[str, typer.Option(help="As customers know it.")],
    market: Annotated[str, typer.Option(help="The market it sells in, e.g. IN.")],
    address: Annotated[str, typer.Option(help="Its street address.")] = "",
    hours: Annotated[
        str, typer.Option(help="Local opening hours: mon-sat=10:00-21:00,sun=11:00-20:00.")
    ] = "",
    timezone: Annotated[
        str | None, typer.Option(help="IANA zone; the market's by default.")
    ] = None,
    pickup: Annotated[bool, typer.Option(help="Offer click & collect.")] = True,
    pickup_days: Annotated[int, typer.Option(help="Days an order waits for its customer.")] = 7,
    ships_online: Annotated[bool, typer.Option(help="Let home delivery take its shelf.")] = False,
    pickup_by_transfer: Annotated[
        bool, typer.Option(help="Take pickups its shelf lacks, sent over from a DC.")
    ] = False,
    transfer_days: Annotated[
        int, typer.Option(help="Days a transfer from a DC takes to arrive.")
    ] = DEFAULT_TRANSFER_DAYS,
    clerk: Annotated[
        list[str] | None, typer.Option(help="A clerk's staff id or email; repeat it.")
    ] = None,
) -> None:
    """Add a store: a location of kind store, its hours, pickup and clerks."""

    async def added(services: StoreServices) -> Store:
        spec = StoreSpec(
            code,
            name,
            market,
            address,
            parse_hours(hours),
            timezone,
            pickup=pickup,
            pickup_days=pickup_days,
            ships_online=ships_online,
            pickup_by_transfer=pickup_by_transfer,
            transfer_days=transfer_days,
            clerks=clerk or (),
        )
        return await services.stores.directory.add(spec)

    made = run_in_shop(settings_of(ctx), added)
    _console().print(store_table([made]))


@store_app.command("list")
def store_list(
    ctx: typer.Context,
    market: Annotated[str | None, typer.Option(help="Only this market's.")] = None,
) -> None:
    """Every store, by code."""

    async def listed(services: StoreServices) -> list[Store]:
        return await services.stores.directory.all(market)

    found = run_in_shop(settings_of(ctx), listed)
    if not found:
        _console().print("no stores yet: try `flashsale store add --help`")
        return
    _console().print(store_table(found))


@store_app.command("clerks")
def store_clerks(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The store's code.")],
    clerk: Annotated[
        list[str] | None, typer.Option(help="A clerk's staff id or email; repeat it.")
    ] = None,
) -> None:
    """Set a store's clerks (staff members with the role clerk); none given: no clerk."""

    async def changed(services: StoreServices) -> Store:
        return await services.stores.directory.put_clerks(code, clerk or ())

    _console().print(store_table([run_in_shop(settings_of(ctx), changed)]))


@till_app.command("add")
def till_add(
    ctx: typer.Context,
    store: Annotated[str, typer.Argument(help="The store's code.")],
    name: Annotated[str, typer.Option(help="What the staff call it.")] = "Till",
) -> None:
    """Add a till; its token is printed this once (the till sends it as Till-Token)."""

    async def added(services: StoreServices) -> tuple[Till, str]:
        return await services.stores.tills.add(store, name)

    till, token = run_in_shop(settings_of(ctx), added)
    _console().print(f"added till {till.id} at {till.store_code}")
    _console().print(f"token (shown once): {token}")


@till_app.command("revoke")
def till_revoke(
    ctx: typer.Context,
    store: Annotated[str, typer.Argument(help="The store's code.")],
    till_id: Annotated[str, typer.Argument(help="The till's id (till_…).")],
) -> None:
    """Revoke a till: its token stops working for good."""

    async def revoked(services: StoreServices) -> Till:
        return await services.stores.tills.revoke(store, till_id)

    till = run_in_shop(settings_of(ctx), revoked)
    _console().print(f"revoked till {till.id} at {till.store_code}")


@pos_app.command("sell")
def pos_sell(
    ctx: typer.Context,
    store: Annotated[str, typer.Option(help="The store's code.")],
    sku: Annotated[str, typer.Option(help="What is sold.")],
    quantity: Annotated[int, typer.Option(help="How many.")] = 1,
    cash: Annotated[str | None, typer.Option(help="Cash tendered (the total if not said).")] = None,
    card: Annotated[str | None, typer.Option(help="Pay by this card instead of cash.")] = None,
    clerk: Annotated[
        str | None, typer.Option(help="The clerk's id or email; the store's first by default.")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Idempotency key: a rerun with it sells nothing more.")
    ] = None,
) -> None:
    """Sell at a store, as a till does: exit 1 when the shelf is short."""
    try:
        tendered = None if cash is None else Decimal(cash)
    except InvalidOperation:
        fail(f"--cash: {(cash or '')[:20]!r} is not an amount", code=2)
    if cash is not None and card is not None:
        fail("pay by --cash or by --card, not both", code=2)

    async def sold(services: StoreServices) -> tuple[PosSale, str]:
        stores = services.stores
        found = await stores.directory.get(store)
        who = clerk or next(iter(found.clerks), None)
        member = None if who is None else await services.staff.find(who)
        if member is None:
            raise NotFound(f"no clerk {who or ''} for {found.code}: give --clerk")
        till = next(
            (t for t in await stores.tills.of_store(found.code) if t.name == CLI_TILL and t.active),
            None,
        )
        if till is None:
            till, _ = await stores.tills.add(found.code, CLI_TILL)
        caller = await stores.sessions.at(till, member)
        method = TenderMethod.CARD if card else TenderMethod.CASH
        outcome = await stores.pos.sell(
            caller, SaleRequest([(sku, quantity)], method, tendered, card), key or str(uuid.uuid4())
        )
        _, market = await stores.pos.market_of(found.code)
        return outcome.sale, market.locale

    sale, locale = run_in_shop(settings_of(ctx), sold)
    _console().print(
        f"receipt {sale.receipt_number} ({sale.id}): {format_money(sale.total, locale)},"
        f" change {format_money(sale.tender.change, locale)}"
    )
