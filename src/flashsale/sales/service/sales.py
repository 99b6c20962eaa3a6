"""Creating flash sales, editing them before they open, showing them, and registering for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import TypeVar

from flashsale.catalog.service import Catalog
from flashsale.customers.accounts import Accounts
from flashsale.kernel.batching import Batcher
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import DomainError, InvalidInput, NotFound
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money, parse_price
from flashsale.sales.domain.closing import closed_early
from flashsale.sales.domain.sale import FlashSale, SaleState
from flashsale.sales.errors import (
    CommitFailed,
    RegistrationClosed,
    RegistrationNotOpenYet,
    SaleNotEditable,
)
from flashsale.sales.ports import SaleRepository, StockGate
from flashsale.sales.service.sale_directory import EDIT_FREEZE, SaleDirectory

MAX_PAYMENT_WINDOW_SECONDS = 7 * 24 * 3600
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SaleSpec:
    sku: str
    market: str
    stock: int
    per_customer_limit: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    opens_at: datetime
    closes_at: datetime
    payment_window_seconds: float = 900.0
    price: str | None = None  # a sale price; the variant's list price in the market when None


@dataclass(frozen=True, slots=True)
class SaleEdit:
    """New terms for a sale; None keeps the current one. SKU and market are not terms: a sale
    of another product or market is another sale (registrations and its room refer to them)."""

    stock: int | None = None
    per_customer_limit: int | None = None
    price: str | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    payment_window_seconds: float | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True, slots=True)
class SaleClosing:
    sale: FlashSale  # as the record now holds it
    closed_now: bool  # False: it had closed already (early, or on schedule)


@dataclass(frozen=True, slots=True)
class SaleView:
    sale: FlashSale
    state: SaleState
    stock_left: int
    server_time: datetime


class Sales:
    def __init__(
        self,
        store: SaleRepository,
        gate: StockGate,
        clock: Clock,
        directory: SaleDirectory,
        catalog: Catalog,
        accounts: Accounts,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._accounts = accounts
        self._gate = gate
        self._clock = clock
        self._directory = directory
        self._registrations: Batcher[tuple[str, str, datetime], bool] = Batcher(
            self._store_registrations
        )

    async def create(self, spec: SaleSpec) -> FlashSale:
        market = await self._catalog.find_market(spec.market)
        if market is None:
            raise InvalidInput(f"no market {spec.market!r}")
        variant = await self._catalog.variant(spec.sku)
        if variant is None:
            raise InvalidInput(f"no SKU {spec.sku!r}")
        if spec.price is not None:
            price = _price(spec.price, market.currency)
        else:
            list_price = variant.price_in(market.code)
            if list_price is None:
                raise InvalidInput(f"{spec.sku} has no price in {market.code}; give one")
            price = list_price
        _check_payment_window(spec.payment_window_seconds)
        sale = FlashSale(
            id=new_id("sale"),
            sku=variant.sku,
            market_code=market.code,
            price=price,
            stock_total=spec.stock,
            per_customer_limit=spec.per_customer_limit,
            registration_opens_at=spec.registration_opens_at,
            registration_closes_at=spec.registration_closes_at,
            opens_at=spec.opens_at,
            closes_at=spec.closes_at,
            payment_window=timedelta(seconds=spec.payment_window_seconds),
        )
        sale.check_bookable()
        await self._store.add_sale(sale)
        await self._directory.get(sale.id)
        return sale

    async def edit(self, sale_id: str, edit: SaleEdit) -> FlashSale:
        """Change a sale's terms while that is safe; raises SaleNotEditable when it is not.

        The rule: a sale can be edited until ``EDIT_FREEZE`` (60 s) before its opening, and the
        new opening must also be at least that far away. Nobody can buy before the opening, so
        no unit is taken yet and the stock gate can be reloaded from the store with the new
        terms; the freeze gives every other process time to re-read its cached copy of the sale
        (``SaleDirectory``) before anyone buys. Registrations already made stay valid whatever
        the new registration window. Stock never goes below the units held in live orders (none
        before the opening; checked anyway, the record is the judge).
        """
        current = await self._store.sale(sale_id)
        if current is None:
            raise NotFound(f"no sale {sale_id}")
        now = self._clock.now()
        if now + EDIT_FREEZE >= current.opens_at:
            raise SaleNotEditable(
                f"the sale opens at {current.opens_at.isoformat()}; its terms are fixed from"
                f" {int(EDIT_FREEZE.total_seconds())} seconds before the opening"
            )
        if edit.is_empty():
            return current
        window = current.payment_window
        if edit.payment_window_seconds is not None:
            _check_payment_window(edit.payment_window_seconds)
            window = timedelta(seconds=edit.payment_window_seconds)
        price = current.price
        if edit.price is not None:
            price = _price(edit.price, current.price.currency)
        new = replace(  # FlashSale checks the timetable, the stock and the limit
            current,
            price=price,
            stock_total=_or(edit.stock, current.stock_total),
            per_customer_limit=_or(edit.per_customer_limit, current.per_customer_limit),
            registration_opens_at=_or(edit.registration_opens_at, current.registration_opens_at),
            registration_closes_at=_or(edit.registration_closes_at, current.registration_closes_at),
            opens_at=_or(edit.opens_at, current.opens_at),
            closes_at=_or(edit.closes_at, current.closes_at),
            payment_window=window,
        )
        new.check_bookable()
        if new.opens_at < now + EDIT_FREEZE:
            raise SaleNotEditable(
                f"the new opening must be at least {int(EDIT_FREEZE.total_seconds())} seconds"
                " away, so that every server knows the terms before anyone buys"
            )
        held = sum((await self._store.held_by_customer(sale_id)).values())
        if new.stock_total < held:
            raise SaleNotEditable(f"{held} units are sold or reserved; stock cannot go below it")
        if not await self._store.replace_sale(new):
            raise NotFound(f"no sale {sale_id}")
        return await self._directory.reload(sale_id)

    async def close(self, sale_id: str) -> SaleClosing:
        """Close the sale now: from this moment the gate admits no purchase, in every process.

        The gate first, so that selling stops before anything else: its close is rewritten
        where every take reads it (one HSET a bucket in Redis); then the record's row, with the
        close the gate answered (an earlier attempt's, if that one reached the gate and not the
        record). Other processes learn it from their gate at once, and their cached copies of
        the sale within ``REFRESH_SECONDS`` (``SaleDirectory``). Reserved orders keep their time
        to pay; what is unsold is released as at a scheduled close. A sale that has not opened
        never opens (``closed_early``). Closing a closed sale changes nothing and says so: a
        retried request gets the same answer.
        """
        current = await self._store.sale(sale_id)
        if current is None:
            raise NotFound(f"no sale {sale_id}")
        now = self._clock.now()
        if current.closes_at <= now:
            # The gate is told again: a close whose gate write failed is mended by a retry.
            await self._gate.close_sale(current.id, current.closes_at)
            self._directory.keep(current)
            return SaleClosing(current, closed_now=False)
        at = await self._gate.close_sale(current.id, now) or now
        closed = closed_early(current, min(at, now))
        if not await self._store.replace_sale(closed):
            raise NotFound(f"no sale {sale_id}")
        self._directory.keep(closed)
        return SaleClosing(closed, closed_now=True)

    def is_editable(self, sale: FlashSale) -> bool:
        """Whether ``edit`` would take new terms now, as far as the clock goes."""
        # Added to now: a stored opening near the year 1 cannot overflow it.
        return self._clock.now() + EDIT_FREEZE < sale.opens_at

    async def view(self, sale_id: str) -> SaleView:
        sale = await self._directory.get(sale_id)
        stock_left = await self._gate.stock_left(sale.id)
        if stock_left is None:  # another process owns the gate and has not loaded it yet
            stock_left = sale.stock_total - sum(
                (await self._store.held_by_customer(sale.id)).values()
            )
        now = self._clock.now()
        return SaleView(sale, sale.state_at(now, stock_left), stock_left, now)

    async def all(self) -> list[FlashSale]:
        return await self._store.sales()

    async def registered_count(self, sale_id: str) -> int:
        """How many customers registered for the sale (the operator's figure)."""
        return await self._store.count_registrations(sale_id)

    async def is_registered(self, sale_id: str, customer_id: str) -> bool:
        return await self._store.is_registered(sale_id, customer_id)

    async def register(self, sale_id: str, customer_id: str) -> bool:
        """True when the customer registered now, False when they already were."""
        sale = await self._directory.get(sale_id)
        if await self._accounts.customer(customer_id) is None:
            raise NotFound("no such customer")
        if await self._store.is_registered(sale.id, customer_id):
            return False
        now = self._clock.now()
        if now < sale.registration_opens_at:
            raise RegistrationNotOpenYet(
                f"registration opens at {sale.registration_opens_at.isoformat()}"
            )
        if now >= sale.registration_closes_at:
            raise RegistrationClosed(
                f"registration closed at {sale.registration_closes_at.isoformat()}"
            )
        return await self._registrations.submit((sale.id, customer_id, now))

    async def _store_registrations(self, batch: Sequence[tuple[str, str, datetime]]) -> list[bool]:
        """One transaction per sale for every registration that arrived meanwhile.

        Fans register by the hundred thousand in the hours before a sale; one fsync'd
        transaction each made them queue on SQLite's single writer while holding pooled
        connections, until the pool timed out (1,000 concurrent registrations, measured).
        """
        first: dict[tuple[str, str], datetime] = {}
        for sale_id, customer_id, at in batch:
            first.setdefault((sale_id, customer_id), at)
        by_sale: dict[str, list[str]] = defaultdict(list)
        for sale_id, customer_id in first:
            by_sale[sale_id].append(customer_id)
        at = max(first.values())
        try:
            for sale_id, customer_ids in by_sale.items():
                await self._store.add_registrations(sale_id, customer_ids, at)
        except DomainError:
            raise
        except Exception as exc:
            raise CommitFailed("the registration could not be stored; try again") from exc
        for sale_id, customer_ids in by_sale.items():
            await self._gate.register(sale_id, customer_ids)
        # A customer twice in one batch registered once: the first caller is told so.
        seen: set[tuple[str, str]] = set()
        answers = []
        for sale_id, customer_id, _ in batch:
            answers.append((sale_id, customer_id) not in seen)
            seen.add((sale_id, customer_id))
        return answers


def _price(amount: str, currency: str) -> Money:
    try:
        return parse_price(amount, currency)
    except InvalidInput as exc:
        raise InvalidInput(f"price: {exc.detail}") from exc


def _check_payment_window(seconds: float) -> None:
    if not 0 < seconds <= MAX_PAYMENT_WINDOW_SECONDS:
        raise InvalidInput("payment_window_seconds must be between 0 and a week")


def _or(new: T | None, current: T) -> T:
    return current if new is None else new
