"""Feeds: each feed's state (validators, health, next poll, lease) and its entries.

Revision ID: 0003
Revises: 0002

Two new tables only; no existing row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("key", sa.String(16), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("first_polled", UTCDateTime),
        sa.Column("last_polled", UTCDateTime),
        sa.Column("last_success", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("last_warning", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_poll_at", UTCDateTime, nullable=False),
        sa.Column("polling_until", UTCDateTime),
        sa.Column("items", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "feed_entries",
        sa.Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("feed", sa.String(16), nullable=False),
        sa.Column("link_key", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("candidate", sa.Boolean, nullable=False),
    )
    op.create_index("ix_feed_entries_link", "feed_entries", ["feed", "link_key"])


def downgrade() -> None:
    op.drop_table("feed_entries")
    op.drop_table("feeds")
