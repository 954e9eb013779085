"""Writing one content scan, or one chunk of it, into the store, in the caller's transaction.

Items are upserted by id; items whose file went away or turned bad leave the pool (but
keep their decisions and publications); a record whose id is held by another present file
becomes a bad file; topic counts and item totals move with the items, so neither
`/newsdesk topics` nor `status` counts. Only the items a chunk names are read: a chunk
costs the same in a library of a thousand items or of a million.

One record can only make itself bad: items are written a chunk at a time, each chunk in a
savepoint, and a chunk the database refuses is written again one record at a time, so a
record that cannot be serialised or stored becomes a bad file and the others are kept.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from bot.content.article import BadFile, Record, ScanResult
from bot.content.records import DUPLICATE
from bot.content.repair import storable
from bot.store import sql as db
from bot.store import totals
from bot.store.rows import item_row
from bot.store.tables import FILE, FROM_FILES, PRESENT, items
from bot.store.tables import bad_files as bad_table

log = logging.getLogger(__name__)

_UPSERT_CHUNK = 1_000  # items rows built and written at a time
_FILE_ITEM = (PRESENT, FROM_FILES)
_ITEM_UPDATE = [c.name for c in items.columns if c.name not in ("id", "first_seen")]
UNSERIALISABLE = "cannot be stored: a value cannot be serialised ({error})"
UNSTORABLE = "cannot be stored: the database refused a value ({error})"


def store_scan(
    conn: Connection, result: ScanResult, now: datetime, *, defer: bool = False
) -> tuple[int, int, list[Record]]:
    """Apply `result` (a whole scan or one chunk of it); returns (records stored, files
    recorded as bad, records deferred). With `defer`, a record whose id a present item
    holds at another path is handed back instead of becoming a duplicate: during a
    chunked scan that path may yet turn out gone (the file was moved), which only the
    scan's end can tell; apply the deferred ones then, without `defer`."""
    before: dict[str, bool] = {}  # present items read here: id -> pickable
    gone = _present_at(conn, {*result.removed, *(b.path for b in result.bad)}, before)
    held = _held(conn, [r.article.id for r in result.records], gone, before)
    held_before = dict(held)
    accepted, dups, deferred = _split_duplicates(result.records, held, defer)
    replaced = [r.article.id for r in accepted if r.article.id in held_before]
    old_topics = _topics_of(conn, [*gone, *replaced])  # read before the upsert

    def write() -> tuple[list[Record], list[BadFile], list[str]]:
        _vacate(conn, list(gone), now)
        stored, refused = _upsert_items(conn, accepted, now)
        # A refused record is a bad file: the item its path held before leaves the pool.
        paths = {b.path for b in refused}
        left = [item_id for item_id, path in held_before.items() if path in paths]
        _vacate(conn, left, now)
        return stored, refused, left

    stored, refused, left = write()
    _move_totals(conn, before, [*gone, *(r.article.id for r in accepted)], stored, {*gone, *left})
    _count_topics(conn, old_topics, stored)
    cleared = [*result.removed, *(r.path for r in stored)]
    db.delete_in(conn, bad_table.c.path, cleared)
    # Copies rejected as duplicates of a vanished item get read again next scan.
    db.delete_in(conn, bad_table.c.duplicate_of, [*gone, *left])
    bad = [*((b, None) for b in (*result.bad, *refused)), *dups]
    _store_bad(conn, bad, now)
    return len(stored), len(bad), deferred


_STATE = (items.c.id, items.c.path, items.c.source == FILE, items.c.source_published)


def _present_at(conn: Connection, paths: set[str], before: dict[str, bool]) -> dict[str, str]:
    """id -> path of the present file items at `paths` (removed or turned bad)."""
    found: dict[str, str] = {}
    # A path the database cannot take (undecodable bytes) never held an item.
    for chunk in db.chunks(sorted(p for p in paths if storable(p) == p)):
        stmt = select(*_STATE).where(items.c.path.in_(chunk), *_FILE_ITEM)
        for item_id, path, _, published in conn.execute(stmt):
            found[item_id], before[item_id] = path, not published
    return found


def _held(
    conn: Connection, ids: list[str], leaving: dict[str, str], before: dict[str, bool]
) -> dict[str, str]:
    """id -> path of the present file items among `ids`, but those `leaving` the pool;
    every present item among `ids` (of any source) goes into `before`."""
    held: dict[str, str] = {}
    for chunk in db.chunks(list(dict.fromkeys(ids))):
        for item_id, path, from_file, published in conn.execute(
            select(*_STATE).where(items.c.id.in_(chunk), PRESENT)
        ):
            before[item_id] = not published
            if from_file and item_id not in leaving:
                held[item_id] = path
    return held


def _move_totals(
    conn: Connection,
    before: dict[str, bool],
    ids: list[str],
    stored: list[Record],
    vacated: set[str],
) -> None:
    """Move the item totals from the `ids`' state before the write to their state after:
    a stored record's item is present (pickable unless published at the source, as
    `item_row` writes it), a vacated one is not, any other keeps its state."""
    now_in = {r.article.id: not r.article.published for r in stored}
    was = {i: before[i] for i in dict.fromkeys(ids) if i in before}
    after = {i: now_in[i] if i in now_in else was[i] for i in (*was, *now_in)}
    after = {i: p for i, p in after.items() if i in now_in or i not in vacated}
    totals.shift(conn, len(after) - len(was), sum(after.values()) - sum(was.values()))


def _vacate(conn: Connection, ids: list[str], now: datetime) -> None:
    """Mark the items `ids` (their file is gone or turned bad) not present."""
    for chunk in db.chunks(ids):
        stmt = update(items).where(items.c.id.in_(chunk))
        conn.execute(stmt.values(present=False, updated_at=now))


def _split_duplicates(
    records: Iterable[Record], held: dict[str, str], defer: bool
) -> tuple[list[Record], list[tuple[BadFile, str]], list[Record]]:
    """Records to store, (bad file, id) for copies of an id held at another path, and
    (with `defer`) the records whose id a stored item holds at another path."""
    accepted: list[Record] = []
    dups: list[tuple[BadFile, str]] = []
    deferred: list[Record] = []
    stored = dict(held)  # what the database holds, not what this result claims
    for rec in records:
        item_id, other = rec.article.id, held.get(rec.article.id)
        if defer and other is not None and other != rec.path and stored.get(item_id) == other:
            deferred.append(rec)
            continue
        if other is not None and other != rec.path:
            reason = DUPLICATE.format(id=item_id, other=other)
            dups.append((BadFile(rec.path, reason, rec.mtime_ns, rec.size), item_id))
            continue
        held[item_id] = rec.path
        accepted.append(rec)
    return accepted, dups, deferred


def _topics_of(conn: Connection, ids: Sequence[str]) -> list[set[str]]:
    """The stored topics of each of the items `ids`, as sets."""
    found: list[set[str]] = []
    for chunk in db.chunks(list(dict.fromkeys(ids))):
        stmt = select(items.c.topics).where(items.c.id.in_(chunk))
        found.extend(set(json.loads(raw)) for raw in conn.scalars(stmt))
    return found


def _count_topics(conn: Connection, old: list[set[str]], accepted: list[Record]) -> None:
    """Move topic_counts from the items' `old` topics to those of the `accepted` records."""
    # Keyed by id: of two records of one id at one path, the last one is stored.
    new = {r.article.id: set(r.article.topics) for r in accepted}
    delta: Counter[str] = Counter(t for topics in new.values() for t in topics)
    delta.subtract(t for topics in old for t in topics)
    db.add_topic_counts(conn, delta)


def _upsert_items(
    conn: Connection, records: list[Record], now: datetime
) -> tuple[list[Record], list[BadFile]]:
    """Write the records' items; returns (records stored, bad files of those refused)."""
    stmt = db.upsert(conn, items, "id", _ITEM_UPDATE)
    stored: list[Record] = []
    refused: list[BadFile] = []
    # In chunks: the rows (JSON of every article) of a whole cold ingest at once would
    # add their full size to the peak memory, on top of the parsed records.
    for chunk in db.chunks(records, _UPSERT_CHUNK):
        rows = _rows(chunk, now, refused)
        if _write(conn, stmt, [row for _, row in rows]) is None:
            stored += [rec for rec, _ in rows]
            continue
        for rec, row in rows:  # one at a time: find the record(s) the database refuses
            error = _write(conn, stmt, [row])
            if error is None:
                stored.append(rec)
            else:
                refused.append(_refused(rec, UNSTORABLE, error))
    return stored, refused


def _rows(
    records: Sequence[Record], now: datetime, refused: list[BadFile]
) -> list[tuple[Record, dict[str, Any]]]:
    """(record, items row) of each record; one that cannot be serialised goes to `refused`."""
    rows = []
    for rec in records:
        try:
            rows.append((rec, item_row(rec, now)))
        except (ValueError, TypeError, OverflowError) as e:
            refused.append(_refused(rec, UNSERIALISABLE, e))
    return rows


def _write(conn: Connection, stmt: Any, rows: list[dict[str, Any]]) -> Exception | None:
    """Execute `stmt` for `rows` in a savepoint; the error when the rows were refused."""
    if not rows:
        return None
    try:
        with conn.begin_nested():
            conn.execute(stmt, rows)
    except Exception as e:
        if not _refused_by_rows(e):
            raise  # the database itself failed (a lost connection): the scan fails whole
        return e
    return None


def _refused_by_rows(error: Exception) -> bool:
    if isinstance(error, DBAPIError):
        return isinstance(error, DataError | IntegrityError)
    # Failures while binding values (a text the driver cannot encode) come unwrapped.
    return isinstance(error, StatementError | ValueError | TypeError)


def _refused(rec: Record, template: str, error: Exception) -> BadFile:
    cause = getattr(error, "orig", None) or error
    # Only the error's type: a driver's message may quote the row, `secured` included.
    reason = template.format(error=type(cause).__name__)
    log.warning("%s: %s", rec.path, reason)
    return BadFile(rec.path, reason, rec.mtime_ns, rec.size)


def _store_bad(conn: Connection, bad: list[tuple[BadFile, str | None]], now: datetime) -> None:
    if not bad:
        return
    # Keyed by path: one statement must not upsert the same row twice (PostgreSQL refuses).
    # Path and reason made storable: a file name's undecodable bytes come as surrogates.
    rows = {
        storable(b.path): {
            **asdict(b),
            "path": storable(b.path),
            "reason": storable(b.reason),
            "duplicate_of": dup,
            "seen_at": now,
        }
        for b, dup in bad
    }
    update_cols = ["reason", "mtime_ns", "size", "duplicate_of", "seen_at"]
    conn.execute(db.upsert(conn, bad_table, "path", update_cols), list(rows.values()))
