"""Feeds in the store: each feed's state and lease, and writing a poll's entries as items.

A poll is claimed by a conditional UPDATE of the feed's `polling_until` (a lease): of several
processes, one polls a feed per interval, and a poller that died frees it when it expires.
Entries become items with source 'feed'. An entry whose GUID is new but whose link an entry
of the same feed already has (a feed that makes new GUIDs on every poll) updates that item
instead of adding a copy. Entries that leave the feed stay in the library as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, select, update

from bot.content.feeds import FeedRecord, feed_key
from bot.store import sql as db
from bot.store import totals
from bot.store.rows import item_row
from bot.store.tables import FEED, feed_entries, feeds, items

_ITEM_UPDATE = [c.name for c in items.columns if c.name not in ("id", "first_seen")]
CLASH = "id {id} is already an item from a {source}"
STATE_COLUMNS = [c for c in feeds.columns if c.name not in ("polling_until",)]


@dataclass(frozen=True, slots=True)
class FeedState:
    key: str
    url: str
    etag: str | None
    last_modified: str | None
    first_polled: datetime | None
    last_polled: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_warning: str | None
    failures: int
    next_poll_at: datetime
    items: int


@dataclass(frozen=True, slots=True)
class Stored:
    """What one poll's entries did to the library."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: tuple[str, ...] = ()


class FeedStore:
    """The feeds' rows and their entries; takes the Store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = db.writer(engine)

    # ------------------------------------------------------------ state and leases

    def ensure(self, urls: Sequence[str], now: datetime) -> None:
        """A row for each configured feed; a new one is due at once."""
        with self.engine.connect() as conn:
            have = set(conn.scalars(select(feeds.c.key)))
        missing = [url for url in urls if feed_key(url) not in have]
        if not missing:
            return  # the every-minute case: no write lock taken
        with self._writer.begin() as conn:
            for url in missing:
                row = {"key": feed_key(url), "url": url, "next_poll_at": now}
                db.insert_ignore(conn, feeds, row, ["key"])

    def due(self, now: datetime) -> list[str]:
        """Keys of feeds due now and not being polled."""
        stmt = select(feeds.c.key).where(feeds.c.next_poll_at <= now, _free(now))
        with self.engine.connect() as conn:
            return list(conn.scalars(stmt.order_by(feeds.c.next_poll_at, feeds.c.key)))

    def claim(
        self, key: str, now: datetime, lease: timedelta, *, force: bool = False
    ) -> FeedState | None:
        """Take the feed's lease (if due, or with `force`); None when another poll has it."""
        where = [feeds.c.key == key, _free(now)]
        if not force:
            where.append(feeds.c.next_poll_at <= now)
        stmt = update(feeds).where(*where).values(polling_until=now + lease, last_polled=now)
        with self._writer.begin() as conn:
            if conn.execute(stmt).rowcount != 1:
                return None
            row = conn.execute(select(*STATE_COLUMNS).where(feeds.c.key == key)).one()
        return FeedState(**row._mapping)

    def finish(self, key: str, next_poll_at: datetime, **values: Any) -> None:
        """Release the lease and record the poll's outcome (`values`: feeds columns)."""
        stmt = update(feeds).where(feeds.c.key == key)
        with self._writer.begin() as conn:
            conn.execute(stmt.values(next_poll_at=next_poll_at, polling_until=None, **values))

    def states(self, keys: Sequence[str] | None = None) -> list[FeedState]:
        """The feeds' states (those of `keys`, when given), by URL."""
        stmt = select(*STATE_COLUMNS).order_by(feeds.c.url)
        if keys is not None:
            stmt = stmt.where(feeds.c.key.in_(list(keys)))
        with self.engine.connect() as conn:
            return [FeedState(**r._mapping) for r in conn.execute(stmt)]

    # ------------------------------------------------------------ entries

    def store_entries(
        self, key: str, found: Sequence[FeedRecord], now: datetime, candidates: set[str] | None
    ) -> Stored:
        """Write a poll's entries; new ones outside `candidates` (None: all) are never picked."""
        with self._writer.begin() as conn:
            # Topic counts move with scans too: one writer at a time keeps them exact.
            db.one_at_a_time(conn, db.SCAN_LOCK)
            known = _known(conn, key, found)
            matched = _match(found, known)
            clashes = _clashes(conn, [r.record.article.id for r in matched])
            todo = [r for r in matched if r.record.article.id not in clashes]
            stored = _write(conn, key, todo, known, now, candidates)
            total = conn.scalar(select(sa.func.count()).where(feed_entries.c.feed == key))
            conn.execute(update(feeds).where(feeds.c.key == key).values(items=total))
        bad = tuple(CLASH.format(id=i, source=s) for i, s in clashes.items())
        return replace(stored, bad=bad)


def _free(now: datetime) -> Any:
    return sa.or_(feeds.c.polling_until.is_(None), feeds.c.polling_until <= now)


def _known(conn: Connection, key: str, found: Sequence[FeedRecord]) -> dict[str, Any]:
    """item id -> (link_key, digest, candidate) of this feed's entries that `found` may be."""
    ids = [r.record.article.id for r in found]
    links = [_hash(r.link_key) for r in found]
    cols = select(feed_entries).where(feed_entries.c.feed == key)
    rows: dict[str, Any] = {}
    for column, values in ((feed_entries.c.item_id, ids), (feed_entries.c.link_key, links)):
        for chunk in db.chunks(values):
            rows.update((r.item_id, r) for r in conn.execute(cols.where(column.in_(chunk))))
    return rows


def _match(found: Sequence[FeedRecord], known: dict[str, Any]) -> list[FeedRecord]:
    """The entries, each under the id of the item it already is (by GUID, else by link)."""
    in_poll = {r.record.article.id for r in found}
    by_link: dict[str, str] = {}
    for item_id, row in known.items():
        if item_id not in in_poll:  # an entry still in the feed keeps its own item
            by_link.setdefault(row.link_key, item_id)
    out = []
    for rec in found:
        item_id = rec.record.article.id
        if item_id not in known and (old := by_link.pop(_hash(rec.link_key), None)):
            rec = _renamed(rec, old)
        out.append(rec)
    return out


def _renamed(rec: FeedRecord, item_id: str) -> FeedRecord:
    record = rec.record
    path = record.path.rsplit("/", 1)[0] + "/" + item_id
    article = replace(record.article, id=item_id)
    return replace(rec, record=replace(record, article=article, path=path))


def _clashes(conn: Connection, ids: list[str]) -> dict[str, str]:
    """Ids held by items from elsewhere (a record file named like a feed item): id -> source."""
    found: dict[str, str] = {}
    for chunk in db.chunks(ids):
        stmt = select(items.c.id, items.c.source).where(items.c.id.in_(chunk))
        stmt = stmt.where(items.c.source != FEED)
        found.update(conn.execute(stmt).all())
    return found


def _write(
    conn: Connection,
    key: str,
    found: list[FeedRecord],
    known: dict[str, Any],
    now: datetime,
    candidates: set[str] | None,
) -> Stored:
    rows, entries, changed = [], [], []
    for rec in found:
        item_id, digest = rec.record.article.id, _content_digest(rec)
        old = known.get(item_id)
        if old is not None and old.digest == digest:
            continue
        # An entry keeps the verdict of its first poll, whatever its content becomes.
        fresh = candidates is None or item_id in candidates
        candidate = old.candidate if old is not None else fresh
        rows.append(_item_row(rec, candidate, now))
        link = _hash(rec.link_key)
        entries.append(dict(item_id=item_id, feed=key, link_key=link, digest=digest))
        entries[-1]["candidate"] = candidate
        if old is not None:
            changed.append(item_id)
    _count_topics(conn, changed, rows)

    def write() -> None:
        for chunk in db.chunks(rows, 1_000):
            conn.execute(db.upsert(conn, items, "id", _ITEM_UPDATE), list(chunk))

    totals.moved(conn, [row["id"] for row in rows], write)  # status's totals follow
    entry_upsert = db.upsert(conn, feed_entries, "item_id", ["link_key", "digest", "candidate"])
    for chunk in db.chunks(entries, 1_000):
        conn.execute(entry_upsert, list(chunk))
    new = len(rows) - len(changed)
    return Stored(new=new, updated=len(changed), unchanged=len(found) - len(rows))


def _item_row(rec: FeedRecord, candidate: bool, now: datetime) -> dict[str, Any]:
    record = rec.record
    if not candidate:
        # Never picked: the flag every selection already honours ("shared elsewhere").
        record = replace(record, article=replace(record.article, published=True))
    return {**item_row(record, now), "source": FEED}


def _count_topics(conn: Connection, changed: list[str], rows: list[dict[str, Any]]) -> None:
    """Topic counts follow: the new rows' topics in, the changed items' old topics out."""
    delta: Counter[str] = Counter(t for row in rows for t in json.loads(row["topics"]))
    for chunk in db.chunks(changed):
        for raw in conn.scalars(select(items.c.topics).where(items.c.id.in_(chunk))):
            delta.subtract(json.loads(raw))
    db.add_topic_counts(conn, delta)


def _content_digest(rec: FeedRecord) -> str:
    text = json.dumps(rec.record.article.to_dict(), sort_keys=True, ensure_ascii=False)
    return _hash(text)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
