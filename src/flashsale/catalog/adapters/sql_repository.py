"""``CatalogRepository`` on SQLAlchemy Core: markets, products, variants and their prices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from flashsale.catalog.adapters import sql_rows as rows
from flashsale.catalog.adapters.sql_images import SqlProductImageRepository
from flashsale.catalog.adapters.sql_tables import markets, prices, products, variants
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.kernel.errors import Conflict
from flashsale.kernel.money import Money
from flashsale.platform.sql.database import conflict


class SqlCatalogRepository(SqlProductImageRepository):
    async def add_markets(self, markets_: Sequence[Market]) -> None:
        if not markets_:
            return
        stmt = self._insert(markets)
        # A market added again replaces its name, currency, locale and time zone.
        upsert = stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={
                "name": stmt.excluded.name,
                "currency": stmt.excluded.currency,
                "locale": stmt.excluded.locale,
                "timezone": stmt.excluded.timezone,
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
        variant_rows = rows.variant_rows(product)
        price_rows = rows.price_rows(product)

        def add(conn: Connection) -> None:
            conn.execute(products.insert(), {"id": product.id, "name": product.name})
            conn.execute(variants.insert(), variant_rows)
            if price_rows:
                conn.execute(prices.insert(), price_rows)

        with conflict(f"product {product.id} or one of its SKUs exists already"):
            await self._write(add)

    async def save_product(self, product: Product) -> bool:
        skus = [v.sku for v in product.variants]
        variant_rows = rows.variant_rows(product)
        price_rows = rows.price_rows(product)

        def save(conn: Connection) -> bool:
            renamed = conn.execute(
                update(products).where(products.c.id == product.id).values(name=product.name)
            )
            if renamed.rowcount == 0:
                return False
            stored = conn.execute(
                select(variants.c.sku, variants.c.product_id).where(variants.c.sku.in_(skus))
            ).all()
            others = [sku for sku, owner in stored if owner != product.id]
            if others:
                raise Conflict(f"SKU {', '.join(others)} exists already")
            known = {sku for sku, _ in stored}
            new = [row for row in variant_rows if row["sku"] not in known]
            if new:
                conn.execute(variants.insert(), new)
            for row in variant_rows:
                if row["sku"] in known:
                    conn.execute(
                        update(variants)
                        .where(variants.c.sku == row["sku"])
                        .values(attributes=row["attributes"])
                    )
            conn.execute(delete(prices).where(prices.c.sku.in_(skus)))
            if price_rows:
                conn.execute(prices.insert(), price_rows)
            return True

        with conflict(f"one of product {product.id}'s SKUs exists already"):
            return await self._write(save)

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
                variants_of[row["product_id"]].append(rows.variant_of(row, prices_of))
        return [
            Product(id=p.id, name=p.name, variants=tuple(variants_of[p.id])) for p in product_rows
        ]

    async def variant(self, sku: str) -> Variant | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(variants).where(variants.c.sku == sku))
            row = found.mappings().one_or_none()
            if row is None:
                return None
            return rows.variant_of(row, await self._prices(conn, sku))

    async def _prices(self, conn: AsyncConnection, sku: str | None) -> dict[str, dict[str, Money]]:
        query = select(prices)
        if sku is not None:
            query = query.where(prices.c.sku == sku)
        found: dict[str, dict[str, Money]] = defaultdict(dict)
        for row in (await conn.execute(query)).mappings():
            found[row["sku"]][row["market_code"]] = Money(row["amount"], row["currency"])
        return found
