"""Follows and personal digests: who follows which topic, and what each person was sent.

Revision ID: 0005
Revises: 0004

Two new tables; no existing row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("topic_key", sa.String(64), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("followed_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "personal_sends",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_personal_sends_run_id", "personal_sends", ["run_id"])
