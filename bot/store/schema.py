"""Database tables, engine set-up and shared SQL of the store (SQLAlchemy Core).

SQLite (the default) and PostgreSQL share one schema. The rules that matter
when several processes share a database live here as constraints: an item is
published at most once per channel, gets at most one decision and one review
post, and a scheduled run is claimed once. The queries the store shares are in
`bot.store.queries`; row <-> object mapping is in `bot.store.rows`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import IntegrityError

from bot.content.dates import as_utc

log = logging.getLogger(__name__)

# Arbitrary PostgreSQL advisory lock ids ("news" + 1, 2).
SCHEMA_LOCK, SCAN_LOCK = 0x6E65777301, 0x6E65777302
SQLITE_BUSY_MS = 10_000


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware, in UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass a timezone-aware one")
        value = value.astimezone(UTC)
        # SQLite keeps text and would silently drop the offset: store plain UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


metadata = sa.MetaData()

items = Table(
    "items",
    metadata,
    Column("id", sa.String(255), primary_key=True),
    Column("path", sa.Text, nullable=False, unique=True),
    Column("mtime_ns", sa.BigInteger, nullable=False),
    Column("size", sa.BigInteger, nullable=False),
    Column("present", sa.Boolean, nullable=False),
    Column("data", sa.Text, nullable=False),  # Article.to_dict() as JSON, never `secured`
    Column("secured", sa.Text),  # the only place the upstream token is kept
    Column("quality", sa.Integer, nullable=False),
    Column("heat", sa.Integer, nullable=False),
    # Epoch seconds, 0 when unknown: sorts the same way in both databases.
    Column("published_ts", sa.BigInteger, nullable=False),
    Column("source_published", sa.Boolean, nullable=False),
    Column("provider", sa.Text, nullable=False),
    Column("topics", sa.Text, nullable=False),  # JSON list
    Column("canonical_url", sa.Text, nullable=False),
    Column("title_key", sa.Text, nullable=False),
    Column("search_text", sa.Text, nullable=False),  # casefolded title/excerpt/topics/provider
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

PRESENT = items.c.present == sa.true()
RANK = (items.c.quality.desc(), items.c.heat.desc(), items.c.published_ts.desc(), items.c.id)
# Equality on `present`, then exactly the ranking order: candidates() reads it in order.
sa.Index("ix_items_rank", items.c.present, *RANK)
# Store.counts() counts present and pickable items on this index alone.
sa.Index("ix_items_state", items.c.present, items.c.source_published)

# How many present items carry each topic, kept by Store.apply_scan in the scan's
# transaction: `/newsdesk topics` reads these few rows, not every item.
topic_counts = Table(
    "topic_counts",
    metadata,
    # sha256 of the topic: a key of bounded size, however long a topic a record holds.
    Column("key", sa.String(64), primary_key=True),
    Column("topic", sa.Text, nullable=False),
    Column("items", sa.Integer, nullable=False),
)

bad_files = Table(
    "bad_files",
    metadata,
    Column("path", sa.Text, primary_key=True),
    Column("reason", sa.Text, nullable=False),
    Column("mtime_ns", sa.BigInteger, nullable=False),
    Column("size", sa.BigInteger, nullable=False),
    # Set for "duplicate id" rows, so they are re-read once the other copy goes away.
    Column("duplicate_of", sa.String(255), index=True),
    Column("seen_at", UTCDateTime, nullable=False),
)

review_posts = Table(
    "review_posts",
    metadata,
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("channel", sa.String(64), nullable=False),
    Column("ts", sa.String(64), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False, index=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("decision", sa.String(16), nullable=False),
    Column("user_id", sa.String(64), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("title", sa.Text),
    Column("excerpt", sa.Text),
    sa.CheckConstraint("decision IN ('approved', 'rejected')", name="ck_decisions_decision"),
)

publications = Table(
    "publications",
    metadata,
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("channel", sa.String(64), primary_key=True),
    Column("ts", sa.String(64), nullable=False),
    Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
    Column("published_at", UTCDateTime, nullable=False, index=True),
)

runs = Table(
    "runs",
    metadata,
    Column("id", sa.Integer, primary_key=True, autoincrement=True),
    Column("kind", sa.String(32), nullable=False),
    Column("key", sa.String(255), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", sa.String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("finished_at", UTCDateTime),
    Column("error", sa.Text),
    Column("posted", sa.Integer, nullable=False, default=0),
    # Which process runs it ("host:pid") and when it last made progress: a run whose owner
    # died mid-post can be taken over, and one that is merely slow is left alone.
    Column("owner", sa.String(255), nullable=False, default=""),
    Column("heartbeat", UTCDateTime),
    sa.UniqueConstraint("kind", "key", "due_at", name="uq_runs_kind_key_due"),
    # At most one run per (kind, key) in progress: a hand-started digest and a scheduled one
    # for the same channel never pick the same items at the same time.
    sa.Index(
        "uq_runs_one_running",
        "kind",
        "key",
        unique=True,
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    ),
)


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


def create_schema(engine: Engine) -> None:
    """Create missing tables; safe when several processes start at once on one database."""
    with writer(engine).begin() as conn:
        # Two concurrent create_all calls would race on the catalogue.
        one_at_a_time(conn, SCHEMA_LOCK)
        counted = sa.inspect(conn).has_table(topic_counts.name)
        metadata.create_all(conn, checkfirst=True)
        # create_all adds no index to a table that exists: databases made before it get theirs.
        for index in (i for table in metadata.sorted_tables for i in table.indexes):
            index.create(conn, checkfirst=True)
        if not counted:  # new, or older than topic_counts: count the items it already holds
            topics = conn.scalars(sa.select(items.c.topics).where(PRESENT))
            add_topic_counts(conn, Counter(t for raw in topics for t in set(json.loads(raw))))
    log.debug("schema ready on %s", engine.url.get_backend_name())


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
