"""Baseline: the schema of release 0.1.0, the last one made by `create_all`.

Revision ID: 0001
Revises:

A database written by that release has these tables and no `alembic_version`:
`bot.store.migrate` stamps it at this revision instead of running it. Written out by hand,
not from `bot.store.tables`, so later changes to the tables cannot change what it makes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    _items()
    op.create_table(
        "topic_counts",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
    )
    op.create_table(
        "bad_files",
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("duplicate_of", sa.String(255), index=True),
        sa.Column("seen_at", UTCDateTime, nullable=False),
    )
    _runs()
    _decisions_and_posts()


def _items() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("path", sa.Text, nullable=False, unique=True),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("present", sa.Boolean, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("secured", sa.Text),
        sa.Column("quality", sa.Integer, nullable=False),
        sa.Column("heat", sa.Integer, nullable=False),
        sa.Column("published_ts", sa.BigInteger, nullable=False),
        sa.Column("source_published", sa.Boolean, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("topics", sa.Text, nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("title_key", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    rank = [
        sa.text("quality DESC"),
        sa.text("heat DESC"),
        sa.text("published_ts DESC"),
        sa.text("id"),
    ]
    op.create_index("ix_items_rank", "items", ["present", *rank])
    op.create_index("ix_items_state", "items", ["present", "source_published"])


def _runs() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False, index=True),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("error", sa.Text),
        sa.Column("posted", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("heartbeat", UTCDateTime),
        sa.UniqueConstraint("kind", "key", "due_at", name="uq_runs_kind_key_due"),
    )
    op.create_index(
        "uq_runs_one_running",
        "runs",
        ["kind", "key"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )


def _decisions_and_posts() -> None:
    item = sa.ForeignKey("items.id")
    op.create_table(
        "review_posts",
        sa.Column("item_id", sa.String(255), item, primary_key=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=False, index=True),
    )
    op.create_table(
        "decisions",
        sa.Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("excerpt", sa.Text),
        sa.CheckConstraint("decision IN ('approved', 'rejected')", name="ck_decisions_decision"),
    )
    op.create_table(
        "publications",
        sa.Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("published_at", UTCDateTime, nullable=False, index=True),
    )
