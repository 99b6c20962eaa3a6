"""Channels: a partner's line may come back in several returns (3 bought, 1 returned, then 2
more). ``channel_returns`` gains ``ref`` (what tells a line's returns apart: the partner's return
id, or when the return was asked; "" for a cancellation), and its key becomes (channel, order id,
line id, kind, ref). The returns stored before keep ``ref`` "": each stands for every return of
its line, so a report sent again still changes nothing (channels/domain/return_planning.py).

Revision ID: channels_0003
Revises: channels_0002
Create Date: 2027-03-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "channels_0003"
down_revision: str | None = "channels_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["channel", "order_id", "line_id", "kind"]


def upgrade() -> None:
    with op.batch_alter_table("channel_returns", recreate="always") as table:
        table.add_column(sa.Column("ref", sa.String(80), nullable=False, server_default=""))
        table.drop_constraint("pk_channel_returns", type_="primary")
        table.create_primary_key("pk_channel_returns", [*KEY, "ref"])


def downgrade() -> None:
    # Only where no line has more than one return of a kind: the old key cannot hold them.
    with op.batch_alter_table("channel_returns", recreate="always") as table:
        table.drop_constraint("pk_channel_returns", type_="primary")
        table.create_primary_key("pk_channel_returns", KEY)
        table.drop_column("ref")
