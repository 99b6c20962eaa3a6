"""Products' pictures: ``product_images``, each a file in the media store with its alt text,
size and place. The first revision of the catalogue's own branch (its first tables are the
core's).

Revision ID: catalog_0001
Revises: (none: a branch of its own)
Depends on: 0008 (products and variants, as the core last left them)
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "catalog_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("catalog",)
depends_on: str | Sequence[str] | None = "0008"


def upgrade() -> None:
    op.create_table(
        "product_images",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("media_key", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_product_images_product_id"
        ),
        sa.ForeignKeyConstraint(["sku"], ["variants.sku"], name="fk_product_images_sku"),
        sa.PrimaryKeyConstraint("id", name="pk_product_images"),
        sa.UniqueConstraint("media_key", name="uq_product_images_media_key"),
    )
    op.create_index(
        "ix_product_images_product_position", "product_images", ["product_id", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_product_images_product_position", table_name="product_images")
    op.drop_table("product_images")
