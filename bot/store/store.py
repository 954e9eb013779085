"""The store: articles, review decisions, publications and runs in SQL.

Every rule that several processes must agree on (one decision per item, one
publication per item and channel, one claim per scheduled run) is enforced by
the database's constraints inside transactions; see `bot.store.tables`. The upstream
`secured` token is written to its own column and read only by `Store.secured`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exists, select

from bot.content.article import Article, BadFile, Record, ScanResult
from bot.content.select import Candidate
from bot.secret import Secret
from bot.store import migrate
from bot.store import sql as db
from bot.store import suggestions as suggested
from bot.store.follows import FollowStore
from bot.store.ingest import store_scan
from bot.store.queries import (
    ARTICLE_COLUMNS,
    SENT_AS_IS,
    WITH_DECISION,
    candidate_query,
    count_columns,
)
from bot.store.reviews import Reviews
from bot.store.rows import article_of, candidate_of_row
from bot.store.runs import RunLedger, new_owner_id
from bot.store.shares import Shares
from bot.store.signals import SignalLog
from bot.store.suggestions import Whereabouts
from bot.store.tables import (
    FROM_FILES,
    PRESENT,
    RANK,
    items,
    publications,
    review_posts,
    topic_counts,
)
from bot.store.tables import bad_files as bad_table

log = logging.getLogger(__name__)


_STREAM_BATCH = 64  # rows fetched at a time by candidates()


class Store:
    """All persistent state of Newsdesk, behind intention-named methods.

    The parts with a life of their own are composed in: the run ledger (`store.runs`),
    share claims (`store.shares`), readers' signals (`store.signals`), follows with
    personal sends (`store.follows`) and review posts with decisions (`store.reviews`).
    `owner` names this process on the runs it claims; by default a fresh id per Store,
    which a process opens once at start.
    """

    def __init__(self, url: str, *, owner: str | None = None) -> None:
        self.engine = db.make_engine(url)
        self._writer = db.writer(self.engine)
        self._commits = itertools.count()
        self._generation = 0
        # Every commit through this store (any write, whoever makes it) moves `generation`.
        sa.event.listen(self.engine, "commit", self._committed)
        migrate.upgrade(self.engine)
        self.runs = RunLedger(self.engine, self._writer, owner or new_owner_id())
        self.shares = Shares(self._writer)
        self.signals = SignalLog(self.engine, self._writer)
        self.follows = FollowStore(self.engine)
        self.reviews = Reviews(self.engine, self._writer)

    @property
    def generation(self) -> int:
        """A number that changes after each write this process commits: answers computed
        from the store at one generation are stale at another (see bot.app.answers)."""
        return self._generation

    def _committed(self, _conn: object) -> None:
        self._generation = next(self._commits) + 1

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ content

    def file_index(self) -> dict[str, tuple[int, int]]:
        """path -> (mtime_ns, size) of every file known: present items and bad files."""
        good = select(items.c.path, items.c.mtime_ns, items.c.size).where(PRESENT, FROM_FILES)
        bad = select(bad_table.c.path, bad_table.c.mtime_ns, bad_table.c.size)
        with self.engine.connect() as conn:
            bad_rows, good_rows = conn.execute(bad).all(), conn.execute(good).all()
        # Unpacked as tuples: named access on every row made a large index a fifth slower.
        index = {path: (mtime_ns, size) for path, mtime_ns, size in bad_rows}
        index.update({path: (mtime_ns, size) for path, mtime_ns, size in good_rows})
        return index

    def apply_scan(self, result: ScanResult, now: datetime, *, defer: bool = False) -> list[Record]:
        """Store a scan, or one chunk of it, atomically: upsert records, retire gone or bad
        paths, keep bad files. With `defer`, records whose id an item holds at another path
        come back (see `store_scan`): apply them once the scan's removals are stored."""
        if not (result.records or result.bad or result.removed):
            return []  # nothing new: no write lock, no read
        with self._writer.begin() as conn:
            # Scans of two processes would read and then rewrite the same rows.
            db.one_at_a_time(conn, db.SCAN_LOCK)
            stored, bad, deferred = store_scan(conn, result, now, defer=defer)
        log.debug("scan stored: %d records, %d bad, %d removed", stored, bad, len(result.removed))
        return deferred

    def add_suggestion(self, record: Record, now: datetime) -> bool:
        """Store a suggested link (source 'suggestion'); False when its id is already taken."""
        with self._writer.begin() as conn:
            return suggested.add_suggestion(conn, record, now)

    def find_link(self, keys: Sequence[str]) -> Whereabouts | None:
        """Where the item with one of these canonical URLs stands, if the library has it."""
        with self.engine.connect() as conn:
            return suggested.find_link(conn, keys)

    def bad_files(self, limit: int | None = None) -> list[BadFile]:
        """Files that could not be used, by path; the first `limit` of them when given."""
        stmt = select(bad_table).order_by(bad_table.c.path).limit(limit)
        with self.engine.connect() as conn:
            return [BadFile(r.path, r.reason, r.mtime_ns, r.size) for r in conn.execute(stmt)]

    def article(self, item_id: str, *, edited: bool = True) -> Article | None:
        """The item, present or not; `edited` applies an approved decision's title/excerpt."""
        stmt = select(*ARTICLE_COLUMNS).select_from(WITH_DECISION).where(items.c.id == item_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else article_of(row, edited)

    def articles(self, ids: Sequence[str]) -> list[Article]:
        """Articles for `ids`, in that order, edits applied; unknown ids are dropped."""
        found: dict[str, Article] = {}
        with self.engine.connect() as conn:
            for chunk in db.chunks(list(dict.fromkeys(ids))):
                stmt = select(*ARTICLE_COLUMNS).select_from(WITH_DECISION)
                for row in conn.execute(stmt.where(items.c.id.in_(chunk))):
                    art = article_of(row, True)
                    found[art.id] = art
        return [found[i] for i in ids if i in found]

    def is_present(self, item_id: str) -> bool:
        """Is the item in the library now (its file is there and valid)?"""
        with self.engine.connect() as conn:
            return bool(conn.scalar(select(items.c.present).where(items.c.id == item_id)))

    def secured(self, item_id: str) -> Secret | None:
        """The upstream token of an item: the one way to read it back."""
        with self.engine.connect() as conn:
            value = conn.scalar(select(items.c.secured).where(items.c.id == item_id))
        return None if value is None else Secret(value)

    def search(self, words: str, limit: int) -> list[Article]:
        """Present items whose title, excerpt, topics or provider hold every word; best first."""
        stmt = select(*ARTICLE_COLUMNS).select_from(WITH_DECISION).where(PRESENT)
        for word in words.casefold().split():
            stmt = stmt.where(items.c.search_text.contains(word, autoescape=True))
        with self.engine.connect() as conn:
            return [article_of(r, True) for r in conn.execute(stmt.order_by(*RANK).limit(limit))]

    def topics(self) -> list[tuple[str, int]]:
        """Each topic with its number of present items, most first (then by name)."""
        # From the few rows of topic_counts; sorted here, as the database's collation may
        # order names differently from Python.
        stmt = select(topic_counts.c.topic, topic_counts.c["items"])
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return sorted(((topic, n) for topic, n in rows), key=lambda kv: (-kv[1], kv[0]))

    # ------------------------------------------------------------ selection

    def candidates(
        self,
        *,
        channel: str | None,
        quality_min: int,
        approved_only: bool = False,
        not_sent_for_review: bool = False,
    ) -> Iterator[Candidate]:
        """Unpublished, unrejected present items, streamed best first; stop whenever you like."""
        stmt = candidate_query(channel, quality_min, approved_only, not_sent_for_review)
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=_STREAM_BATCH).execute(stmt)
            for row in rows:
                yield candidate_of_row(row)

    def taken_keys(self, channel: str | None) -> tuple[set[str], set[str]]:
        """(canonical urls, title keys) taken in `channel`; None: published anywhere or queued."""
        # Read from the few publications: an EXISTS test per item would read every item.
        stmt = select(items.c.canonical_url, items.c.title_key)
        if channel is not None:
            joined = publications.join(items, items.c.id == publications.c.item_id)
            stmt = stmt.select_from(joined).where(publications.c.channel == channel)
        else:
            sent = review_posts.join(items, SENT_AS_IS)  # an item changed since is not queued
            queued = select(publications.c.item_id).union(
                select(review_posts.c.item_id).select_from(sent)
            )
            stmt = stmt.where(items.c.id.in_(queued))
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return {url for url, _ in rows} - {""}, {title for _, title in rows} - {""}

    # ------------------------------------------------------------ publications

    def record_publications(
        self, item_ids: Sequence[str], channel: str, ts: str, run_id: int | None, now: datetime
    ) -> list[str]:
        """Record items posted in `channel`; returns those not already published there."""
        base = {"channel": channel, "ts": ts, "run_id": run_id, "published_at": now}
        new: list[str] = []
        with self._writer.begin() as conn:
            for item_id in dict.fromkeys(item_ids):
                row = {**base, "item_id": item_id}
                if db.insert_ignore(conn, publications, row, ["item_id", "channel"]):
                    new.append(item_id)
        return new

    def is_published(self, item_id: str, channel: str) -> bool:
        where = (publications.c.item_id == item_id) & (publications.c.channel == channel)
        with self.engine.connect() as conn:
            return conn.scalar(select(exists().where(where))) or False

    def latest_published(self, limit: int) -> list[tuple[Article, str, str, datetime]]:
        """(article, channel, ts, when) of the latest publications, newest first."""
        joined = WITH_DECISION.join(publications, publications.c.item_id == items.c.id)
        pub = (publications.c.channel, publications.c.ts, publications.c.published_at)
        stmt = select(*ARTICLE_COLUMNS, *pub).select_from(joined).where(publications.c.ts != "")
        stmt = stmt.order_by(publications.c.published_at.desc(), items.c.id).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [(article_of(r, True), r.channel, r.ts, r.published_at) for r in rows]

    def counts(self) -> dict[str, int]:
        """Numbers for `status`: items, unpublished, published, pending_review, ..."""
        with self.engine.connect() as conn:
            row = conn.execute(select(*count_columns())).one()
        return dict(row._mapping)

    def ping(self) -> None:
        """Raise unless the database answers: a health check that reads no table."""
        with self.engine.connect() as conn:
            conn.execute(select(1))
