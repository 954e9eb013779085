"""The tables (SQLAlchemy Core): the current shape of the database.

SQLite (the default) and PostgreSQL share one schema. The rules that matter when several
processes share a database live here as constraints: an item is published at most once per
channel, gets at most one decision and one review post, and a scheduled run is claimed once.
Changes to these tables reach existing databases through Alembic revisions
(`bot/store/migrations/versions/`); `tests/test_migrations.py` proves the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, Table

from bot.content.dates import as_utc


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

FILE, FEED, SUGGESTION = "file", "feed", "suggestion"
SOURCES = (FILE, FEED, SUGGESTION)

items = Table(
    "items",
    metadata,
    Column("id", sa.String(255), primary_key=True),
    Column("path", sa.Text, nullable=False, unique=True),  # "feed:…"/"suggestion:…" if not a file
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
    # Where the item came from (SOURCES); content scans look only at file items.
    Column("source", sa.String(16), nullable=False, server_default=FILE),
    # Of the content an approver sees (see review_posts below).
    Column("fingerprint", sa.String(64), nullable=False, server_default=""),
)

PRESENT = items.c.present == sa.true()
FROM_FILES = items.c.source == FILE
RANK = (items.c.quality.desc(), items.c.heat.desc(), items.c.published_ts.desc(), items.c.id)
# Equality on `present`, then exactly the ranking order: candidates() reads it in order.
sa.Index("ix_items_rank", items.c.present, *RANK)
# Present and pickable items (Store.counts() now reads them from item_totals, below).
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

# Decisions bind content (SPEC §3): a review post and a decision are about one version of
# an item, named by its fingerprint (bot/store/fingerprint.py: URL, title, excerpt, image).
# One of each per (item, version); those of older versions stay as history.
FINGERPRINT = sa.String(64)

review_posts = Table(
    "review_posts",
    metadata,
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("fingerprint", FINGERPRINT, primary_key=True),
    Column("channel", sa.String(64), nullable=False),
    Column("ts", sa.String(64), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False, index=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("fingerprint", FINGERPRINT, primary_key=True),
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

# --- Follows and personal digests (SPEC §9): who follows which topic, and every item each
# person was sent by direct message, so nobody gets the same article twice.
follows = Table(
    "follows",
    metadata,
    Column("user_id", sa.String(64), primary_key=True),
    # sha256 of the folded topic (bot.content.ranking.fold_topic): "AI" and "ai" are one follow.
    Column("topic_key", sa.String(64), primary_key=True),
    Column("topic", sa.Text, nullable=False),  # as the library spells it
    Column("followed_at", UTCDateTime, nullable=False),
)

personal_sends = Table(
    "personal_sends",
    metadata,
    Column("user_id", sa.String(64), primary_key=True),
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), index=True),
    Column("ts", sa.String(64), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
)

# ---------------------------------------------------------------- feeds (SPEC §8)
# One row per feed URL ever configured: its HTTP validators, its health for `status`, and
# when it is next due. `polling_until` is the poll's lease: a conditional UPDATE sets it, so
# several processes poll a feed once per interval, and a poller that died frees it by expiry.
feeds = Table(
    "feeds",
    metadata,
    Column("key", sa.String(16), primary_key=True),  # bot.content.feeds.feed_key(url)
    Column("url", sa.Text, nullable=False),
    Column("etag", sa.Text),
    Column("last_modified", sa.Text),
    Column("first_polled", UTCDateTime),  # the first poll that read the feed
    Column("last_polled", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_error", sa.Text),
    Column("last_warning", sa.Text),
    Column("failures", sa.Integer, nullable=False, server_default="0"),  # in a row
    Column("next_poll_at", UTCDateTime, nullable=False),
    Column("polling_until", UTCDateTime),
    Column("items", sa.Integer, nullable=False, server_default="0"),
)

# Each entry a feed gave, by its item: what finds it again when its GUID changes (the
# canonical link's hash), whether its content changed (`digest`), and whether it may be
# picked (`candidate`: false for the old entries of a first poll, which are never posted).
feed_entries = Table(
    "feed_entries",
    metadata,
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("feed", sa.String(16), nullable=False),
    Column("link_key", sa.String(64), nullable=False),
    Column("digest", sa.String(64), nullable=False),
    Column("candidate", sa.Boolean, nullable=False),
    sa.Index("ix_feed_entries_link", "feed", "link_key"),
)

# --- readers' signals (SPEC §9) ----------------------------------------------------------
# One row per (item, user, kind[, reaction]): the key makes a user count once per item per
# signal, whatever Slack retries or double clicks. Reactions keep the emoji in the key, so
# removing one of two reactions leaves the other standing.
READ, USEFUL, REACTION = "read", "useful", "reaction"
signals = Table(
    "signals",
    metadata,
    Column("item_id", sa.String(255), sa.ForeignKey("items.id"), primary_key=True),
    Column("user_id", sa.String(64), primary_key=True),
    Column("kind", sa.String(16), primary_key=True),
    Column("reaction", sa.String(100), primary_key=True, server_default=""),
    Column("channel", sa.String(64), nullable=False, server_default=""),
    Column("at", UTCDateTime, nullable=False, index=True),
)
# A reaction names its message by (channel, ts): find the item posted there.
sa.Index("ix_publications_channel_ts", publications.c.channel, publications.c.ts)

# --- Item totals: what `status` counts, kept up to date instead of counted ---------------
# One row: how many items are present, and how many of those are not published at the
# source. `bot.store.totals` moves it in the same transaction as every write to `items`
# (a content scan), so `/newsdesk status` reads one row instead of counting every item.
item_totals = Table(
    "item_totals",
    metadata,
    Column("id", sa.Integer, primary_key=True, autoincrement=False),
    Column("present", sa.BigInteger, nullable=False),
    Column("pickable", sa.BigInteger, nullable=False),
)
