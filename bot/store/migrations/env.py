"""Alembic's environment for Newsdesk: always run on a connection `bot.store.migrate` hands in.

That connection already holds the schema lock inside its transaction, so several processes
starting at once upgrade one after another, and each later one finds nothing left to do.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
# SQLite cannot ALTER most things in place: batch mode copies the table, keeping every row.
context.configure(
    connection=connection,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
