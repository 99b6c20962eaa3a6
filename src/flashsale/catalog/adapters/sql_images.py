"""``ProductImageRepository`` on SQLAlchemy Core (``SqlCatalogRepository`` includes it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, select, update

from flashsale.catalog.adapters.sql_tables import product_images, products
from flashsale.catalog.image_model import ProductImage
from flashsale.platform.sql.database import SqlDatabase, conflict


class SqlProductImageRepository(SqlDatabase):
    async def add_image(self, image: ProductImage, most: int) -> ProductImage | None:
        def add(conn: Connection) -> ProductImage | None:
            # The product's row locked (PostgreSQL): two uploads at once take turns, and each
            # comes after the other instead of both taking the same place.
            conn.execute(
                select(products.c.id).where(products.c.id == image.product_id).with_for_update()
            )
            count, last = conn.execute(
                select(func.count(), func.max(product_images.c.position)).where(
                    product_images.c.product_id == image.product_id
                )
            ).one()
            if count >= most:
                return None
            stored = replace(image, position=0 if last is None else last + 1)
            conn.execute(product_images.insert(), _row(stored))
            return stored

        with conflict(f"product {image.product_id} or its variant {image.sku} is gone"):
            return await self._write(add)

    async def images(self, product_ids: Sequence[str]) -> list[ProductImage]:
        if not product_ids:
            return []
        query = (
            select(product_images)
            .where(product_images.c.product_id.in_(sorted(set(product_ids))))
            .order_by(product_images.c.product_id, product_images.c.position, product_images.c.id)
        )
        async with self._engine.connect() as conn:
            return [_image_of(row) for row in (await conn.execute(query)).mappings()]

    async def remove_image(self, product_id: str, image_id: str) -> ProductImage | None:
        def remove(conn: Connection) -> ProductImage | None:
            mine = (product_images.c.product_id == product_id) & (product_images.c.id == image_id)
            row = conn.execute(select(product_images).where(mine)).mappings().one_or_none()
            if row is None:
                return None
            conn.execute(delete(product_images).where(mine))
            conn.execute(
                update(product_images)
                .where(
                    (product_images.c.product_id == product_id)
                    & (product_images.c.position > row["position"])
                )
                .values(position=product_images.c.position - 1)
            )
            return _image_of(row)

        return await self._write(remove)

    async def reorder_images(self, product_id: str, image_ids: Sequence[str]) -> bool:
        def reorder(conn: Connection) -> bool:
            mine = product_images.c.product_id == product_id
            # Rows locked (PostgreSQL) so that an upload or removal cannot slip in between the
            # check and the moves; SQLite's one writer already excludes it.
            query = select(product_images.c.id).where(mine).with_for_update()
            stored = set(conn.execute(query).scalars())
            if len(image_ids) != len(stored) or set(image_ids) != stored:
                return False
            for position, image_id in enumerate(image_ids):
                conn.execute(
                    update(product_images)
                    .where(mine & (product_images.c.id == image_id))
                    .values(position=position)
                )
            return True

        return await self._write(reorder)


def _row(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.id,
        "product_id": image.product_id,
        "sku": image.sku,
        "media_key": image.media_key,
        "content_type": image.content_type,
        "alt": image.alt,
        "width": image.width,
        "height": image.height,
        "size": image.size,
        "position": image.position,
    }


def _image_of(row: RowMapping) -> ProductImage:
    return ProductImage(
        id=row["id"],
        product_id=row["product_id"],
        sku=row["sku"],
        media_key=row["media_key"],
        content_type=row["content_type"],
        alt=row["alt"],
        width=row["width"],
        height=row["height"],
        size=row["size"],
        position=row["position"],
    )
