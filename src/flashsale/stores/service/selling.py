"""The POS sale: priced from the store's price list, paid in cash or by card, written with its
receipt number, ledger moves and the guarded decrement of the store's shelf in one transaction.

That transaction is shared: sales arriving while one is being written, or within a few ms of
the first of a quiet moment, are written together (a group commit, ``sale_commits``), each
still decided on its own, so a store chain's tills cost a few commits a second rather than one
each.

A card is charged before that transaction (a gateway is not part of it); a retry finds the
key's stored sale before any charge, and a charge whose sale is not stored (the shelf went
short, or a twin of the same key won) is refunded at once. For a card the free units are read
first, so that the usual short sale never touches the card; a cash sale leaves that to the
transaction's guard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flashsale.catalog.market import Market
from flashsale.customers.model import normalize_email
from flashsale.inventory.domain.location import Location
from flashsale.inventory.ports import InventoryRepository
from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import (
    Conflict,
    DomainError,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
)
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money
from flashsale.orders.ports import PaymentGateway
from flashsale.stores.domain.sale import (
    PosSale,
    SaleLine,
    TenderMethod,
    card_tender,
    cash_tender,
    fingerprint,
    priced,
    requested_lines,
)
from flashsale.stores.errors import InsufficientStoreStock
from flashsale.stores.ports import PriceList, StoreRepository
from flashsale.stores.service.directory import MarketReader
from flashsale.stores.service.sale_commits import SaleCommits
from flashsale.stores.service.session import PosCaller
from flashsale.stores.service.store_markets import StoreMarkets

MAX_KEY = 200
MARKET_CACHE = timedelta(seconds=5)
# Sales a group commit writes at most: ~8 statements whatever the count, each sale a few rows.
MAX_BATCH = 256
# How long the first sale of a quiet moment waits for others to share its transaction.
SALE_LINGER_SECONDS = 0.005


@dataclass(frozen=True, slots=True)
class SaleRequest:
    lines: Sequence[tuple[str, int]]
    method: TenderMethod
    tendered: Decimal | None = None  # cash handed over; the total when not said
    card: str | None = None
    customer_email: str | None = None


@dataclass(frozen=True, slots=True)
class SaleOutcome:
    sale: PosSale
    replayed: bool  # the same Idempotency-Key answered before: this is that sale


class PointOfSale:
    def __init__(
        self,
        store: StoreRepository,
        inventory: InventoryRepository,
        markets: MarketReader,
        prices: PriceList,
        gateway: PaymentGateway,
        clock: Clock,
        *,
        linger: float = SALE_LINGER_SECONDS,
    ) -> None:
        self._store = store
        self._inventory = inventory
        self._prices = prices
        self._gateway = gateway
        self._clock = clock
        self._markets_of = StoreMarkets(inventory, markets, clock, MARKET_CACHE)
        self._commits = SaleCommits(store.pos_record_sales, linger=linger, max_batch=MAX_BATCH)

    async def market_of(self, store_code: str) -> tuple[str, Market]:
        """The store's time zone and market."""
        return await self._markets_of.of(store_code)

    async def where(self, store_code: str) -> tuple[Location, Market]:
        """The store's location (its name and address head a receipt) and market."""
        return await self._markets_of.where(store_code)

    async def quote(
        self, store_code: str, lines: Sequence[tuple[str, int]]
    ) -> tuple[tuple[SaleLine, ...], Money]:
        """The lines at this store's prices and their total, as a sale would charge them (the
        till's cart); 422 as a sale would be refused."""
        _, market = await self.market_of(store_code)
        wanted = requested_lines(lines)
        prices = await self._prices.prices(store_code, market.code, [sku for sku, _ in wanted])
        return priced(wanted, prices, market.currency)

    async def sell(
        self, caller: PosCaller, request: SaleRequest, idempotency_key: str | None
    ) -> SaleOutcome:
        key = (idempotency_key or "").strip()
        if not key or len(key) > MAX_KEY:
            raise InvalidInput(f"Idempotency-Key: a POS sale needs one, 1 to {MAX_KEY} characters")
        lines = requested_lines(request.lines)
        email = None if request.customer_email is None else normalize_email(request.customer_email)
        if request.method is TenderMethod.CARD and not request.card:
            raise InvalidInput("payment.card: a card sale needs the card")
        if request.method is TenderMethod.CASH and request.card:
            raise InvalidInput("payment.card: a cash sale takes no card")
        if request.method is TenderMethod.CARD and request.tendered is not None:
            raise InvalidInput("payment.tendered: only cash is tendered")
        print_ = fingerprint(lines, request.method, request.tendered, request.card, email)
        code = caller.store_code
        if request.method is TenderMethod.CARD:
            # Before the card is charged. A cash sale's retry is found by the record's
            # transaction itself (one read fewer a sale).
            before = await self._store.pos_sale_by_key(code, key)
            if before is not None:
                return self._replay(before, print_)
        try:
            priced_lines, total = await self.quote(code, lines)
            if request.method is TenderMethod.CARD:
                await self._check_free(code, lines)
            if request.method is TenderMethod.CASH:
                tender = cash_tender(total, request.tendered)
        except DomainError:
            # A retry of a cash sale made when the price or the shelf was otherwise: its receipt.
            twin = None
            if request.method is TenderMethod.CASH:
                twin = await self._store.pos_sale_by_key(code, key)
            if twin is None:
                raise
            return self._replay(twin, print_)
        sale_id = new_id("pos")
        if request.method is TenderMethod.CARD:
            assert request.card is not None
            # Keyed by this attempt, not by the Idempotency-Key alone: a gateway answers a key
            # it has seen with the same charge, refunded or not, so a retry after a charge was
            # given back (the shelf went short) would otherwise sell on a refunded charge.
            reference = await self._gateway.charge(
                idempotency_key=f"pos:{code}:{key}:{sale_id}", amount=total, card=request.card
            )
            tender = card_tender(total, reference, request.card)
        sale = PosSale(
            id=sale_id,
            store_code=code,
            till_id=caller.till.id,
            clerk_id=caller.clerk.id,
            lines=priced_lines,
            total=total,
            tender=tender,
            created_at=self._clock.now(),
            idempotency_key=key,
            fingerprint=print_,
            customer_email=email,
        )
        try:
            stored = await self._record(sale)
        except InsufficientStoreStock:
            await self._void(sale)
            raise
        except Conflict:
            # A twin with the same key got there first: its sale is the answer.
            twin = await self._store.pos_sale_by_key(code, key)
            if twin is None:
                raise
            stored = twin
        if stored.id != sale.id:  # the key's sale was stored already: ours gives its card back
            await self._void(sale)
            return self._replay(stored, print_)
        return SaleOutcome(stored, replayed=False)

    async def _record(self, sale: PosSale) -> PosSale:
        """The sale through the group commit: stored, or its own refusal raised."""
        outcome = await self._commits.submit(sale)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _void(self, sale: PosSale) -> None:
        """Give back the charge of a sale that was not stored. (A process that stops between a
        charge and its sale leaves the charge for the gateway's reconciliation.)"""
        if sale.tender.card_reference is not None:
            await self._gateway.refund(
                sale.tender.card_reference, idempotency_key=f"pos-void:{sale.id}"
            )

    @staticmethod
    def _replay(sale: PosSale, print_: str) -> SaleOutcome:
        if sale.fingerprint != print_:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for another sale at this store"
            )
        return SaleOutcome(sale, replayed=True)

    async def _check_free(self, store_code: str, lines: Sequence[tuple[str, int]]) -> None:
        """The shelf as read now: spares a card a charge and refund for a sale that is short
        already. The transaction's guard is what decides."""
        for sku, quantity in lines:
            found = await self._inventory.stock_levels(store_code, sku)
            free = found[0].free if found else 0
            if free < quantity:
                raise InsufficientStoreStock(
                    f"{store_code} has {free} of {sku} free; the sale asks {quantity}"
                )

    async def sale(self, sale_id: str, store_code: str | None = None) -> PosSale:
        """A sale by id; 404 when there is none (or it is another store's)."""
        found = await self._store.pos_sale(sale_id)
        if found is None or (store_code is not None and found.store_code != store_code):
            raise NotFound(f"no sale {sale_id[:80]}")
        return found
