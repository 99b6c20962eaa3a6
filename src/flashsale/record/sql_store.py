"""``ports.Store`` on SQLAlchemy Core (async): SQLite by default, PostgreSQL when scaled out.

Every write is one transaction guarded in SQL (``WHERE status = 'reserved'``, unique keys), so
the database, not this process, decides races: two expiry sweepers, a payment racing its own
expiry, or a replayed batch cannot move an order twice or store a unit twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.kernel.errors import Conflict, InvalidInput
from flashsale.kernel.money import Money
from flashsale.orders.adapters.pg_orders import PostgresOrderInserter
from flashsale.orders.adapters.sqlite_orders import SqliteOrderInserter
from flashsale.orders.domain.order import LIVE_STATUSES, Order, OrderStatus, Payment
from flashsale.orders.domain.placement import Placement
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.platform.sql.columns import amounts_equal
from flashsale.platform.sql.engine import create_engine, is_sqlite
from flashsale.platform.sql.sqlite_writer import SqliteWriter
from flashsale.record import rows
from flashsale.record.schema import (
    customers,
    markets,
    orders,
    payments,
    prices,
    products,
    queue_positions,
    registrations,
    sale_stock,
    sales,
    shipping_addresses,
    variants,
    waiting_rooms,
)
from flashsale.sales.domain.audit import UnitsByStatus
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import AuditFacts
from flashsale.waiting_room.adapters import sql_rows as room_rows
from flashsale.waiting_room.domain.room import RoomConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
_LIVE = sorted(s.value for s in LIVE_STATUSES)
_CLOSING = frozenset({OrderStatus.EXPIRED, OrderStatus.CANCELLED})
# Keeps an ``IN (...)`` list below every engine's bound-parameter limit (SQLite: 32,766).
_IDS_PER_STATEMENT = 10_000
_KEYS_PER_STATEMENT = 500  # two bound parameters each


# A sale keeps these when its terms change: registrations and rooms refer to them.
_FIXED_SALE_COLUMNS = frozenset({"id", "sku", "market_code"})


class SqlStore:
    def __init__(self, engine: AsyncEngine, writer: SqliteWriter | None = None) -> None:
        self._engine = engine
        self._writer = writer  # SQLite only: the group commit's one-hop path
        self._sqlite_orders = SqliteOrderInserter(engine.dialect)
        self._dialect = engine.dialect.name
        # PostgreSQL: the group commit's batch is one statement with one JSON parameter.
        self._pg_orders = (
            PostgresOrderInserter(engine.dialect) if self._dialect == "postgresql" else None
        )
        # The group commit's own pool, which does not ping on checkout (see pg_orders); its
        # batches go one at a time, so two connections (and two more for other writers) do.
        self._commit_engine = (
            create_async_engine(
                engine.url,
                pool_pre_ping=False,
                pool_size=2,
                max_overflow=2,
                hide_parameters=True,  # customers' data stays out of error messages and logs
            )
            if self._pg_orders is not None
            else engine
        )
        self._pay_order = (
            update(orders)
            .where(
                orders.c.id == bindparam("order"),
                orders.c.status == OrderStatus.RESERVED.value,
                orders.c.expires_at > bindparam("at"),
            )
            .values(status=OrderStatus.PAID.value, paid_at=bindparam("at"))
        )
        self._insert_registrations = (
            self._insert(registrations)
            .on_conflict_do_nothing(index_elements=["sale_id", "customer_id"])
            .returning(registrations.c.customer_id)
        )

    @classmethod
    async def open(cls, url: str, *, sqlite_synchronous: str = "FULL") -> SqlStore:
        """Connect to a database that ``migrate.upgrade_database`` has brought to head."""
        engine = create_engine(url, sqlite_synchronous=sqlite_synchronous)
        writer = SqliteWriter(url, sqlite_synchronous) if is_sqlite(url) else None
        return cls(engine, writer)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    def _insert(self, table: Any) -> postgresql.Insert | sqlite.Insert:
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # markets and catalogue

    async def add_markets(self, markets_: Sequence[Market]) -> None:
        if not markets_:
            return
        stmt = self._insert(markets)
        # A market added again replaces its name, currency and locale.
        upsert = stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={
                "name": stmt.excluded.name,
                "currency": stmt.excluded.currency,
                "locale": stmt.excluded.locale,
            },
        )
        params = [rows.market_row(m) for m in markets_]
        await self._write(lambda conn: conn.execute(upsert, params))

    async def markets(self) -> list[Market]:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(markets).order_by(markets.c.code))
            return [rows.market_of(r) for r in found.mappings()]

    async def market(self, code: str) -> Market | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(markets).where(markets.c.code == code))
            row = found.mappings().one_or_none()
        return None if row is None else rows.market_of(row)

    async def add_product(self, product: Product) -> None:
        variant_rows = [
            {
                "sku": v.sku,
                "product_id": product.id,
                "attributes": dict(v.attributes),
                "position": position,
            }
            for position, v in enumerate(product.variants)
        ]
        price_rows = [
            {"sku": v.sku, "market_code": code, "amount": p.amount, "currency": p.currency}
            for v in product.variants
            for code, p in v.prices.items()
        ]

        def add(conn: Connection) -> None:
            conn.execute(products.insert(), {"id": product.id, "name": product.name})
            conn.execute(variants.insert(), variant_rows)
            if price_rows:
                conn.execute(prices.insert(), price_rows)

        with _conflict(f"product {product.id} or one of its SKUs exists already"):
            await self._write(add)

    async def products(self) -> list[Product]:
        async with self._engine.connect() as conn:
            product_rows = (
                await conn.execute(select(products).order_by(products.c.name, products.c.id))
            ).all()
            variant_rows = (
                await conn.execute(select(variants).order_by(variants.c.position))
            ).mappings()
            variants_of: dict[str, list[Variant]] = defaultdict(list)
            prices_of = await self._prices(conn, None)
            for row in variant_rows:
                variants_of[row["product_id"]].append(_variant(row, prices_of))
        return [
            Product(id=p.id, name=p.name, variants=tuple(variants_of[p.id])) for p in product_rows
        ]

    async def variant(self, sku: str) -> Variant | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(variants).where(variants.c.sku == sku))
            row = found.mappings().one_or_none()
            if row is None:
                return None
            return _variant(row, await self._prices(conn, sku))

    async def _prices(self, conn: AsyncConnection, sku: str | None) -> dict[str, dict[str, Money]]:
        query = select(prices)
        if sku is not None:
            query = query.where(prices.c.sku == sku)
        found: dict[str, dict[str, Money]] = defaultdict(dict)
        for row in (await conn.execute(query)).mappings():
            found[row["sku"]][row["market_code"]] = Money(row["amount"], row["currency"])
        return found

    # customers

    async def add_customers(self, customers_: Sequence[Customer]) -> None:
        if not customers_:
            return
        params = [rows.customer_row(c) for c in customers_]
        with _conflict("a customer with this id or email exists already"):
            await self._write(lambda conn: conn.execute(customers.insert(), params))

    async def customer(self, customer_id: str) -> Customer | None:
        return await self._one_customer(customers.c.id == customer_id)

    async def customer_by_email(self, email: str) -> Customer | None:
        return await self._one_customer(customers.c.email == email)

    async def _one_customer(self, where: Any) -> Customer | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(customers).where(where))).mappings().one_or_none()
        return None if row is None else rows.customer_of(row)

    # sales and registrations

    async def add_sale(self, sale: FlashSale) -> None:
        row = rows.sale_row(sale)

        def add(conn: Connection) -> None:
            conn.execute(sales.insert(), row)
            conn.execute(sale_stock.insert(), {"sale_id": sale.id})

        with _conflict(f"sale {sale.id} exists already"):
            await self._write(add)

    async def sale(self, sale_id: str) -> FlashSale | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(sales).where(sales.c.id == sale_id))
            row = found.mappings().one_or_none()
        return None if row is None else rows.sale_of(row)

    async def sales(self) -> list[FlashSale]:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(sales).order_by(sales.c.opens_at, sales.c.id))
            listed = []
            for row in found.mappings():
                # One row no sale can be made of (written by hand, or by older code) must not
                # take every other sale down with it: it is named in the log and left out.
                try:
                    listed.append(rows.sale_of(row))
                except (InvalidInput, ValueError, OverflowError) as exc:
                    log.error(
                        "sale %s could not be read from the record, left out: %s", row["id"], exc
                    )
            return listed

    async def replace_sale(self, sale: FlashSale) -> bool:
        terms = {k: v for k, v in rows.sale_row(sale).items() if k not in _FIXED_SALE_COLUMNS}
        statement = update(sales).where(sales.c.id == sale.id).values(**terms)
        return bool(await self._write(lambda conn: conn.execute(statement).rowcount == 1))

    async def add_registrations(
        self, sale_id: str, customer_ids: Sequence[str], at: datetime
    ) -> int:
        unique_ids = dict.fromkeys(customer_ids)
        if not unique_ids:
            return 0
        params = [{"sale_id": sale_id, "customer_id": c, "created_at": at} for c in unique_ids]
        with _conflict(f"sale {sale_id} or one of the customers does not exist"):
            return await self._write(
                lambda conn: len(conn.execute(self._insert_registrations, params).all())
            )

    async def is_registered(self, sale_id: str, customer_id: str) -> bool:
        query = select(registrations.c.sale_id).where(
            registrations.c.sale_id == sale_id, registrations.c.customer_id == customer_id
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def registered_customers(self, sale_id: str) -> list[str]:
        query = (
            select(registrations.c.customer_id)
            .where(registrations.c.sale_id == sale_id)
            .order_by(registrations.c.created_at, registrations.c.customer_id)
        )
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    # orders

    async def insert_orders(self, orders_: Sequence[Order]) -> Placement:
        batch: list[Order] = []
        keys: set[tuple[str, str]] = set()
        for order in orders_:
            if order.idempotency_key is not None:
                key = (order.customer_id, order.idempotency_key)
                # Within one batch the first order of a key wins, as it would across batches.
                if key in keys:
                    continue
                keys.add(key)
            batch.append(order)
        if not batch:
            return Placement()
        params = [rows.order_row(order) for order in batch]
        with _conflict("an order of this batch exists already, or its sale does not"):
            if self._pg_orders is not None:
                return await self._pg_orders.place(self._commit_engine, params)
            prepared = self._sqlite_orders.prepare(batch, params)
            return await self._write(prepared.run)

    async def units_held(self, sale_ids: Sequence[str]) -> dict[str, int]:
        query = select(sale_stock.c.sale_id, sale_stock.c.units_held).where(
            sale_stock.c.sale_id.in_(list(sale_ids))
        )
        async with self._engine.connect() as conn:
            return {sale_id: int(units) for sale_id, units in await conn.execute(query)}

    async def add_gate_drift_healed(self, sale_id: str, units: int) -> None:
        statement = (
            update(sale_stock)
            .where(sale_stock.c.sale_id == sale_id)
            .values(gate_drift_healed=sale_stock.c.gate_drift_healed + abs(units))
        )
        await self._write(lambda conn: conn.execute(statement))

    async def order(self, order_id: str) -> Order | None:
        return (await self.orders_by_id([order_id])).get(order_id)

    async def orders_by_id(self, order_ids: Sequence[str]) -> dict[str, Order]:
        wanted = list(dict.fromkeys(order_ids))
        found: dict[str, Order] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), _IDS_PER_STATEMENT):
                chunk = wanted[start : start + _IDS_PER_STATEMENT]
                result = await conn.execute(select(orders).where(orders.c.id.in_(chunk)))
                found.update((o.id, o) for o in map(rows.order_of, result.mappings()))
        return found

    async def orders_by_idempotency_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], Order] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), _KEYS_PER_STATEMENT):
                chunk = wanted[start : start + _KEYS_PER_STATEMENT]
                pair = tuple_(orders.c.customer_id, orders.c.idempotency_key)
                result = await conn.execute(select(orders).where(pair.in_(chunk)))
                for row in result.mappings():
                    order = rows.order_of(row)
                    assert order.idempotency_key is not None
                    found[(order.customer_id, order.idempotency_key)] = order
        return found

    async def orders_of_customer(self, customer_id: str) -> list[Order]:
        query = (
            select(orders)
            .where(orders.c.customer_id == customer_id)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        )
        return await self._orders(query)

    async def orders_of_sale(
        self, sale_id: str, status: OrderStatus | None = None, limit: int = 1000
    ) -> list[Order]:
        query = select(orders).where(orders.c.sale_id == sale_id)
        if status is not None:
            query = query.where(orders.c.status == status.value)
        return await self._orders(query.order_by(orders.c.created_at, orders.c.id).limit(limit))

    async def _orders(self, query: Any) -> list[Order]:
        async with self._engine.connect() as conn:
            return [rows.order_of(r) for r in (await conn.execute(query)).mappings()]

    async def held_by_customer(self, sale_id: str) -> dict[str, int]:
        query = (
            select(orders.c.customer_id, func.sum(orders.c.quantity))
            .where(orders.c.sale_id == sale_id, orders.c.status.in_(_LIVE))
            .group_by(orders.c.customer_id)
        )
        async with self._engine.connect() as conn:
            return {customer: int(held) for customer, held in await conn.execute(query)}

    async def mark_paid(self, payments_: Sequence[Payment]) -> set[str]:
        if not payments_:
            return set()
        params = [{"order": p.order_id, "at": p.created_at} for p in payments_]

        def pay(conn: Connection) -> set[str]:
            # One guarded UPDATE per payment (its rowcount says whether this payment won),
            # all in the batch's one transaction: one commit, one fsync, for every payer.
            stored = [
                payment
                for payment, param in zip(payments_, params, strict=True)
                if conn.execute(self._pay_order, param).rowcount == 1
            ]
            if stored:
                conn.execute(payments.insert(), [rows.payment_row(p) for p in stored])
            return {p.id for p in stored}

        with _conflict("an order has a payment already"):
            return await self._write(pay)

    async def payment_of(self, order_id: str) -> Payment | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(payments).where(payments.c.order_id == order_id))
            row = found.mappings().one_or_none()
        return None if row is None else rows.payment_of(row)

    async def close_orders(
        self, order_ids: Sequence[str], to: OrderStatus, at: datetime
    ) -> list[Order]:
        if to not in _CLOSING:
            raise InvalidInput(f"orders close as expired or cancelled, not {to}")
        wanted = list(dict.fromkeys(order_ids))

        def close(conn: Connection) -> dict[str, Order]:
            closed: dict[str, Order] = {}
            for start in range(0, len(wanted), _IDS_PER_STATEMENT):
                chunk = wanted[start : start + _IDS_PER_STATEMENT]
                # The status guard is the exactly-once: of two racing closers only one matches.
                moved = conn.execute(
                    update(orders)
                    .where(orders.c.id.in_(chunk), orders.c.status == OrderStatus.RESERVED.value)
                    .values(status=to.value, closed_at=at)
                    .returning(*orders.c)
                )
                for row in moved.mappings():
                    closed[row["id"]] = rows.order_of(row)
            freed: dict[str, int] = defaultdict(int)
            for order in closed.values():
                freed[order.sale_id] += order.quantity
            if freed:
                # In id order: closers and commits lock the sales' counts in one order, so
                # never each other's in a cycle.
                conn.execute(
                    update(sale_stock)
                    .where(sale_stock.c.sale_id == bindparam("sale"))
                    .values(units_held=sale_stock.c.units_held - bindparam("units")),
                    [{"sale": s, "units": n} for s, n in sorted(freed.items())],
                )
            return closed

        closed = await self._write(close)
        return [closed[i] for i in wanted if i in closed]

    async def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        query = (
            select(orders.c.id, orders.c.sale_id)
            .where(orders.c.status == OrderStatus.RESERVED.value, orders.c.expires_at <= now)
            .order_by(orders.c.expires_at, orders.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [(row.id, row.sale_id) for row in await conn.execute(query)]

    async def set_shipping_address(self, order_id: str, address: ShippingAddress) -> bool:
        values = {
            "recipient": address.recipient,
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "postal_code": address.postal_code,
            "phone": address.phone,
        }
        # Row-locked on PostgreSQL, so a payment cannot land between the check and the write.
        status_now = select(orders.c.status).where(orders.c.id == order_id).with_for_update()
        upsert = self._insert(shipping_addresses).values(order_id=order_id, **values)
        upsert = upsert.on_conflict_do_update(index_elements=["order_id"], set_=values)

        def save(conn: Connection) -> bool:
            if conn.execute(status_now).scalar_one_or_none() != OrderStatus.RESERVED.value:
                return False
            conn.execute(upsert)
            return True

        return await self._write(save)

    async def shipping_address(self, order_id: str) -> ShippingAddress | None:
        query = select(shipping_addresses).where(shipping_addresses.c.order_id == order_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        if row is None:
            return None
        return ShippingAddress(
            recipient=row["recipient"],
            line1=row["line1"],
            line2=row["line2"],
            city=row["city"],
            postal_code=row["postal_code"],
            phone=row["phone"],
        )

    async def audit_facts(self, sale: FlashSale) -> AuditFacts:
        of_sale = orders.c.sale_id == sale.id
        units_query = (
            select(orders.c.status, func.sum(orders.c.quantity))
            .where(of_sale)
            .group_by(orders.c.status)
        )
        over_limit = (
            select(orders.c.customer_id)
            .where(of_sale, orders.c.status.in_(_LIVE))
            .group_by(orders.c.customer_id)
            .having(func.sum(orders.c.quantity) > sale.per_customer_limit)
            .subquery()
        )
        is_paid = orders.c.status == OrderStatus.PAID.value
        has_payment = payments.c.id.is_not(None)
        matches = and_(
            payments.c.currency == orders.c.currency,
            amounts_equal(payments.c.amount, orders.c.amount, self._dialect),
        )
        mismatched = (
            select(func.count())
            .select_from(orders.outerjoin(payments, payments.c.order_id == orders.c.id))
            .where(
                of_sale,
                or_(
                    and_(is_paid, ~has_payment),
                    and_(has_payment, or_(~is_paid, ~matches)),
                ),
            )
        )
        counters = select(sale_stock.c.units_held, sale_stock.c.gate_drift_healed).where(
            sale_stock.c.sale_id == sale.id
        )
        async with self._engine.connect() as conn:
            units = {status: int(n) for status, n in await conn.execute(units_query)}
            over = (await conn.execute(select(func.count()).select_from(over_limit))).scalar_one()
            unmatched = (await conn.execute(mismatched)).scalar_one()
            counted, healed = (await conn.execute(counters)).one_or_none() or (0, 0)
        return AuditFacts(
            units=UnitsByStatus(
                reserved=units.get(OrderStatus.RESERVED.value, 0),
                paid=units.get(OrderStatus.PAID.value, 0),
                expired=units.get(OrderStatus.EXPIRED.value, 0),
                cancelled=units.get(OrderStatus.CANCELLED.value, 0),
            ),
            customers_over_limit=int(over),
            orders_without_payment_match=int(unmatched),
            units_counted=int(counted),
            gate_drift_healed=int(healed),
        )

    # waiting rooms

    async def put_room(self, room: RoomConfig) -> None:
        row = room_rows.room_row(room)
        stmt = self._insert(waiting_rooms)
        # Stored again, a room takes the new settings and keeps its seed and commitment.
        upsert = stmt.on_conflict_do_update(
            index_elements=["sale_id"],
            set_={name: stmt.excluded[name] for name in room_rows.SETTINGS_COLUMNS},
        )
        with _conflict(f"sale {room.sale_id} does not exist"):
            await self._write(lambda conn: conn.execute(upsert, row))

    async def room(self, sale_id: str) -> RoomConfig | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(waiting_rooms).where(waiting_rooms.c.sale_id == sale_id)
            )
            row = found.mappings().one_or_none()
        return None if row is None else room_rows.room_of(row)

    async def rooms(self) -> list[RoomConfig]:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(waiting_rooms).order_by(waiting_rooms.c.sale_id))
            return [room_rows.room_of(r) for r in found.mappings()]

    async def publish_queue(self, sale_id: str, customer_ids: Sequence[str], at: datetime) -> bool:
        params = [
            {"sale_id": sale_id, "position": i, "customer_id": c}
            for i, c in enumerate(customer_ids, start=1)
        ]
        # The room row's sealed_at is the write-once latch: of two publishers one matches.
        latch = (
            update(waiting_rooms)
            .where(waiting_rooms.c.sale_id == sale_id, waiting_rooms.c.sealed_at.is_(None))
            .values(sealed_at=at)
        )

        exists = select(waiting_rooms.c.sale_id).where(waiting_rooms.c.sale_id == sale_id)
        per_statement = _IDS_PER_STATEMENT // 3  # three bound parameters a row

        def publish(conn: Connection) -> bool:
            if conn.execute(latch).rowcount != 1:
                if conn.execute(exists).first() is None:
                    raise InvalidInput(f"sale {sale_id} has no waiting room")
                return False
            for start in range(0, len(params), per_statement):
                conn.execute(queue_positions.insert(), params[start : start + per_statement])
            return True

        with _conflict("a customer holds one position"):
            return await self._write(publish)

    async def queue_positions(self, sale_id: str) -> list[tuple[str, int]]:
        query = (
            select(queue_positions.c.customer_id, queue_positions.c.position)
            .where(queue_positions.c.sale_id == sale_id)
            .order_by(queue_positions.c.position)
        )
        async with self._engine.connect() as conn:
            return [(c, int(p)) for c, p in await conn.execute(query)]

    async def registered_among(self, sale_id: str, customer_ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(customer_ids))
        found: set[str] = set()
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), _IDS_PER_STATEMENT):
                query = select(registrations.c.customer_id).where(
                    registrations.c.sale_id == sale_id,
                    registrations.c.customer_id.in_(wanted[start : start + _IDS_PER_STATEMENT]),
                )
                found.update((await conn.execute(query)).scalars())
        return found

    async def units_reserved(self, sale_id: str) -> int:
        query = select(func.coalesce(func.sum(orders.c.quantity), 0)).where(
            orders.c.sale_id == sale_id, orders.c.status == OrderStatus.RESERVED.value
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def _write(self, work: Callable[[Connection], T]) -> T:
        """Run one write transaction. On SQLite it runs start to finish on the writer thread:
        through aiosqlite every statement is a round trip via the event loop, and under a burst
        a transaction held SQLite's one write lock across those trips past the busy timeout
        ("database is locked", measured with 200,000 simulated fans)."""
        if self._writer is not None:
            return await self._writer.transaction(work)
        async with self._engine.begin() as conn:
            return await conn.run_sync(work)

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
        if self._commit_engine is not self._engine:
            await self._commit_engine.dispose()
        await self._engine.dispose()


def _variant(row: Any, prices_of: dict[str, dict[str, Money]]) -> Variant:
    return Variant(
        sku=row["sku"],
        product_id=row["product_id"],
        attributes=dict(row["attributes"]),
        prices=dict(prices_of.get(row["sku"], {})),
    )


@contextlib.contextmanager
def _conflict(detail: str) -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(f"{detail} ({exc.orig})") from exc
    except sqlite3.IntegrityError as exc:  # from the raw cursor of the SQLite group commit
        raise Conflict(f"{detail} ({exc})") from exc
