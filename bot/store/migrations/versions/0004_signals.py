"""Readers' signals: Read clicks, Useful votes and reactions, one per item, user and kind.

Revision ID: 0004
Revises: 0003

A new table, and an index on publications to find the item a reaction was made on. No
existing row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("item_id", sa.String(255), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reaction", sa.String(100), nullable=False, server_default=""),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "user_id", "kind", "reaction"),
    )
    op.create_index("ix_signals_at", "signals", ["at"])
    op.create_index("ix_publications_channel_ts", "publications", ["channel", "ts"])
