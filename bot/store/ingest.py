"""Writing one content scan, or one chunk of it, into the store, in the caller's transaction.

Items are upserted by id; items whose file went away or turned bad leave the pool (but
keep their decisions and publications); a record whose id is held by another present file
becomes a bad file; topic counts and item totals move with the items, so neither
`/newsdesk topics` nor `status` counts. Only the items a chunk names are read: a chunk
costs the same in a library of a thousand items or of a million.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, select, update

from bot.content.article import BadFile, Record, ScanResult
from bot.content.records import DUPLICATE
from bot.store import sql as db
from bot.store import totals
from bot.store.rows import item_row
from bot.store.tables import FROM_FILES, PRESENT, items
from bot.store.tables import bad_files as bad_table

_UPSERT_CHUNK = 1_000  # items rows built and written at a time
_FILE_ITEM = (PRESENT, FROM_FILES)
_ITEM_UPDATE = [c.name for c in items.columns if c.name not in ("id", "first_seen")]


def store_scan(
    conn: Connection, result: ScanResult, now: datetime, *, defer: bool = False
) -> tuple[int, int, list[Record]]:
    """Apply `result` (a whole scan or one chunk of it); returns (records stored, files
    recorded as bad, records deferred). With `defer`, a record whose id a present item
    holds at another path is handed back instead of becoming a duplicate: during a
    chunked scan that path may yet turn out gone (the file was moved), which only the
    scan's end can tell; apply the deferred ones then, without `defer`."""
    gone = _present_at(conn, {*result.removed, *(b.path for b in result.bad)})
    held = _held(conn, [r.article.id for r in result.records], gone)
    was_held = set(held)
    accepted, dups, deferred = _split_duplicates(result.records, held, defer)
    replaced = [r.article.id for r in accepted if r.article.id in was_held]
    old_topics = _topics_of(conn, [*gone, *replaced])  # read before the upsert

    def write() -> None:
        _vacate(conn, list(gone), now)
        _upsert_items(conn, accepted, now)

    totals.moved(conn, [*gone, *(r.article.id for r in accepted)], write)
    _count_topics(conn, old_topics, accepted)
    cleared = [*result.removed, *(r.path for r in accepted)]
    db.delete_in(conn, bad_table.c.path, cleared)
    # Copies rejected as duplicates of a vanished item get read again next scan.
    db.delete_in(conn, bad_table.c.duplicate_of, list(gone))
    _store_bad(conn, [*((b, None) for b in result.bad), *dups], now)
    return len(accepted), len(dups) + len(result.bad), deferred


def _present_at(conn: Connection, paths: set[str]) -> dict[str, str]:
    """id -> path of the present file items at `paths` (removed or turned bad)."""
    found: dict[str, str] = {}
    for chunk in db.chunks(sorted(paths)):
        stmt = select(items.c.id, items.c.path).where(items.c.path.in_(chunk), *_FILE_ITEM)
        found.update(conn.execute(stmt).all())
    return found


def _held(conn: Connection, ids: list[str], leaving: dict[str, str]) -> dict[str, str]:
    """id -> path of the present file items among `ids`, but those `leaving` the pool."""
    held: dict[str, str] = {}
    for chunk in db.chunks(list(dict.fromkeys(ids))):
        stmt = select(items.c.id, items.c.path).where(items.c.id.in_(chunk), *_FILE_ITEM)
        held.update((i, p) for i, p in conn.execute(stmt).all() if i not in leaving)
    return held


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


def _upsert_items(conn: Connection, records: list[Record], now: datetime) -> None:
    stmt = db.upsert(conn, items, "id", _ITEM_UPDATE)
    # In chunks: the rows (JSON of every article) of a whole cold ingest at once would
    # add their full size to the peak memory, on top of the parsed records.
    for chunk in db.chunks(records, _UPSERT_CHUNK):
        conn.execute(stmt, [item_row(r, now) for r in chunk])


def _store_bad(conn: Connection, bad: list[tuple[BadFile, str | None]], now: datetime) -> None:
    if not bad:
        return
    # Keyed by path: one statement must not upsert the same row twice (PostgreSQL refuses).
    rows = {b.path: {**asdict(b), "duplicate_of": dup, "seen_at": now} for b, dup in bad}
    update_cols = ["reason", "mtime_ns", "size", "duplicate_of", "seen_at"]
    conn.execute(db.upsert(conn, bad_table, "path", update_cols), list(rows.values()))
