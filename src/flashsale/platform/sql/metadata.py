"""The one MetaData every domain's tables are described on, and the shapes of the keys they share.

Migrations create the tables; the metadata only describes them to queries. One MetaData, because
the tables refer to each other across domains by foreign key and Alembic compares the database
with all of them at once (``record/schema.py`` gathers them).
"""

from __future__ import annotations

from sqlalchemy import MetaData, String

# A foreign key and the key it refers to must be one type on both sides.
ID = String(64)
CURRENCY = String(3)
MARKET_CODE = String(2)
SKU = String(64)

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)
