"""Decisions bind content: items, review posts and decisions carry a content fingerprint.

Revision ID: 0006
Revises: 0005

A decision (and a review post) is about one version of an item: its fingerprint of URL,
title, excerpt and image (bot/store/fingerprint.py). One per (item, fingerprint), so the
primary keys of review_posts and decisions become (item_id, fingerprint), and the rows of
older versions stay as history.

Existing rows are bound to the item as stored at upgrade time: every fingerprint is computed
here from `items.data`, so each decision release 0.1.0 recorded stays in force until that
item next changes upstream (rather than NULL, which would either keep them in force for
ever or send every decided item back to review at once).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from bot.store.fingerprint import of_data
from bot.store.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHUNK = 1_000


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=False, server_default=""))
    _fill_items()
    _rebuild("review_posts", _review_posts_columns(), ["sent_at"])
    _rebuild("decisions", _decisions_columns(), [])


def _fill_items() -> None:
    conn = op.get_bind()
    items = sa.table("items", sa.column("id"), sa.column("data"), sa.column("fingerprint"))
    rows = conn.execute(sa.select(items.c.id, items.c.data)).all()
    for start in range(0, len(rows), CHUNK):
        values = [{"key": i, "fp": of_data(json.loads(d))} for i, d in rows[start : start + CHUNK]]
        stmt = items.update().where(items.c.id == sa.bindparam("key"))
        conn.execute(stmt.values(fingerprint=sa.bindparam("fp")), values)


def _review_posts_columns() -> list[sa.Column]:
    return [
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=False),
    ]


def _decisions_columns() -> list[sa.Column]:
    return [
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("excerpt", sa.Text),
        sa.CheckConstraint("decision IN ('approved', 'rejected')", name="ck_decisions_decision"),
    ]


def _rebuild(name: str, columns: list, indexed: list[str]) -> None:
    """Copy `name` into a new table keyed (item_id, fingerprint), each row taking its item's
    fingerprint, then put the new table in its place."""
    new = f"_{name}_0006"
    op.create_table(
        new,
        sa.Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        *columns,
    )
    names = [c.name for c in columns if isinstance(c, sa.Column)]
    listed = ", ".join(names)
    old = ", ".join(f"o.{n}" for n in names)
    op.execute(
        f"INSERT INTO {new} (item_id, fingerprint, {listed}) "
        f"SELECT o.item_id, i.fingerprint, {old} FROM {name} o JOIN items i ON i.id = o.item_id"
    )
    op.drop_table(name)
    op.rename_table(new, name)
    for column in indexed:
        op.create_index(f"ix_{name}_{column}", name, [column])
