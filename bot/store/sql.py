"""Engine set-up and the small SQL helpers every part of the store shares.

The tables are in `bot.store.tables`, the queries the store shares in `bot.store.queries`,
and row <-> object mapping in `bot.store.rows`. Schema changes are Alembic revisions, run
by `bot.store.migrate`.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import IntegrityError

from bot.store.tables import topic_counts

log = logging.getLogger(__name__)

# Arbitrary PostgreSQL advisory lock ids ("news" + 1, 2).
SCHEMA_LOCK, SCAN_LOCK = 0x6E65777301, 0x6E65777302
SQLITE_BUSY_MS = 10_000


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout, foreign keys and real BEGINs."""
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    # hide_parameters: an error message must never echo a row, and so never `secured`.
    engine = sa.create_engine(url, hide_parameters=True, pool_pre_ping=not is_sqlite)
    if is_sqlite:
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself, so savepoints and BEGIN IMMEDIATE work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch a new database file to WAL (persistent: later connections find it set).

    The switch needs the file to itself and SQLite does not wait on the busy timeout for
    it, so a process starting next to another one retries for a while.
    """
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the lock up front: a deferred transaction that reads and then
    # writes fails at once with "database is locked" instead of waiting its turn.
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def writer(engine: Engine) -> Engine:
    """The same engine, beginning its transactions as writers (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def one_at_a_time(conn: Connection, lock: int) -> None:
    """Hold `lock` till the transaction ends (SQLite: BEGIN IMMEDIATE already serialises)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})


def dialect_insert(conn: Connection, table: Table) -> Any:
    """The dialect's own INSERT, which knows ON CONFLICT (SQLite and PostgreSQL)."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def insert_ignore(conn: Connection, table: Table, row: dict[str, Any], keys: Sequence[str]) -> bool:
    """INSERT `row` unless it clashes on `keys`; True when it was inserted."""
    stmt = dialect_insert(conn, table).values(row).on_conflict_do_nothing(index_elements=keys)
    # RETURNING, not rowcount: psycopg reports -1 for a statement that could do nothing.
    return conn.execute(stmt.returning(*table.primary_key.columns)).first() is not None


def upsert(conn: Connection, table: Table, key: str, update: Sequence[str]) -> Any:
    """An INSERT ... ON CONFLICT (key) DO UPDATE of the `update` columns, for executemany."""
    stmt = dialect_insert(conn, table)
    return stmt.on_conflict_do_update(
        index_elements=[key], set_={c: stmt.excluded[c] for c in update}
    )


def try_insert(conn: Connection, table: Table, row: dict[str, Any]) -> CursorResult[Any] | None:
    """INSERT `row` in a savepoint; None when a constraint refused it (the rest stays intact)."""
    try:
        with conn.begin_nested():
            return conn.execute(sa.insert(table).values(row))
    except IntegrityError:
        return None


def delete_in(conn: Connection, column: Column[Any], values: Sequence[Any]) -> None:
    """DELETE the rows of `column`'s table whose `column` is one of `values`."""
    for chunk in chunks(values):
        conn.execute(sa.delete(column.table).where(column.in_(chunk)))


def add_topic_counts(conn: Connection, delta: Counter[str]) -> None:
    """Add `delta` (topic -> change in its number of present items) to topic_counts."""
    rows = [{"key": _topic_key(t), "topic": t, "items": n} for t, n in delta.items() if n]
    if not rows:
        return
    stmt = dialect_insert(conn, topic_counts)
    added = topic_counts.c["items"] + stmt.excluded["items"]
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"items": added}), rows)
    conn.execute(sa.delete(topic_counts).where(topic_counts.c["items"] <= 0))


def _topic_key(topic: str) -> str:
    return hashlib.sha256(topic.encode("utf-8", "surrogatepass")).hexdigest()


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    # Bounded IN (...) lists stay well under SQLite's bound-parameter limit.
    for start in range(0, len(values), size):
        yield values[start : start + size]
