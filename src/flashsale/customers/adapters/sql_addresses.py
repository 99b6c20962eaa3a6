"""``AddressRepository`` on SQLAlchemy Core.

Every change to a book first writes its customer's row (to the value it has): on PostgreSQL
that locks the row until the transaction ends, on SQLite it takes the write lock before anything
is read, so changes to one book take turns. That is what keeps the bound on a book and its one
default true when two of them arrive at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, select, update

from flashsale.customers.adapters.sql_address_tables import saved_addresses as book
from flashsale.customers.adapters.sql_tables import customers
from flashsale.customers.saved_addresses import ADDRESS_FIELDS, AddressFields, SavedAddress
from flashsale.platform.sql.database import SqlDatabase, conflict

_ORDER = (book.c.is_default.desc(), book.c.created_at, book.c.id)


class SqlAddressRepository(SqlDatabase):
    async def saved_addresses(self, customer_id: str) -> list[SavedAddress]:
        query = select(book).where(book.c.customer_id == customer_id).order_by(*_ORDER)
        async with self._engine.connect() as conn:
            return [_saved(row) for row in (await conn.execute(query)).mappings()]

    async def add_saved_address(self, saved: SavedAddress, most: int) -> SavedAddress | None:
        def work(conn: Connection) -> SavedAddress | None:
            _take_turn(conn, saved.customer_id)
            held = conn.execute(
                select(func.count(), func.count().filter(book.c.is_default)).where(
                    book.c.customer_id == saved.customer_id
                )
            ).one()
            if held[0] >= most:
                return None
            stored = saved
            if saved.is_default or held[1] == 0:
                _no_default(conn, saved.customer_id)
                stored = SavedAddress(
                    saved.id, saved.customer_id, saved.address, True, saved.created_at
                )
            conn.execute(book.insert(), _row(stored))
            return stored

        with conflict("no such customer, or an address of this id exists already"):
            return await self._write(work)

    async def replace_saved_address(
        self, customer_id: str, address_id: str, address: AddressFields
    ) -> SavedAddress | None:
        def work(conn: Connection) -> SavedAddress | None:
            _take_turn(conn, customer_id)
            changed = conn.execute(
                update(book)
                .where(book.c.id == address_id, book.c.customer_id == customer_id)
                .values(**_lines(address))
                .returning(*book.c)
            )
            row = changed.mappings().one_or_none()
            return None if row is None else _saved(row)

        return await self._write(work)

    async def remove_saved_address(self, customer_id: str, address_id: str) -> bool:
        def work(conn: Connection) -> bool:
            _take_turn(conn, customer_id)
            gone = conn.execute(
                delete(book)
                .where(book.c.id == address_id, book.c.customer_id == customer_id)
                .returning(book.c.is_default)
            ).one_or_none()
            if gone is None:
                return False
            if gone.is_default:
                oldest = (
                    select(book.c.id)
                    .where(book.c.customer_id == customer_id)
                    .order_by(book.c.created_at, book.c.id)
                    .limit(1)
                )
                heir = conn.execute(oldest).scalar_one_or_none()
                if heir is not None:
                    conn.execute(update(book).where(book.c.id == heir).values(is_default=True))
            return True

        return await self._write(work)

    async def make_default_address(self, customer_id: str, address_id: str) -> bool:
        def work(conn: Connection) -> bool:
            _take_turn(conn, customer_id)
            mine = select(book.c.id).where(
                book.c.id == address_id, book.c.customer_id == customer_id
            )
            if conn.execute(mine).one_or_none() is None:
                return False
            conn.execute(
                update(book)
                .where(book.c.customer_id == customer_id)
                .values(is_default=book.c.id == address_id)
            )
            return True

        return await self._write(work)


def _take_turn(conn: Connection, customer_id: str) -> None:
    conn.execute(
        update(customers)
        .where(customers.c.id == customer_id)
        .values(session_generation=customers.c.session_generation)
    )


def _no_default(conn: Connection, customer_id: str) -> None:
    conn.execute(
        update(book)
        .where(book.c.customer_id == customer_id, book.c.is_default)
        .values(is_default=False)
    )


def _lines(address: AddressFields) -> dict[str, Any]:
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


def _row(saved: SavedAddress) -> dict[str, Any]:
    return {
        "id": saved.id,
        "customer_id": saved.customer_id,
        **_lines(saved.address),
        "is_default": saved.is_default,
        "created_at": saved.created_at,
    }


def _saved(row: RowMapping) -> SavedAddress:
    return SavedAddress(
        id=row["id"],
        customer_id=row["customer_id"],
        address=AddressFields(**{name: row[name] for name in ADDRESS_FIELDS}),
        is_default=bool(row["is_default"]),
        created_at=row["created_at"],
    )
