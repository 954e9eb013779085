"""Items say where they came from: a record file, a feed or a suggestion.

Revision ID: 0002
Revises: 0001

Every row a release-0.1.0 database holds came from a file, which the server default says.
Content scans look only at file items, so an item from a feed or a suggestion is never
taken for a deleted file.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="file"))
