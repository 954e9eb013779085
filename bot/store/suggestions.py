"""Suggested links in the store: add one, and find where a link already is.

A suggestion is an items row with source 'suggestion' and path `suggestion:<id>`, so content
scans (which look only at file items) never take it for a deleted file. Whether a link is
already known is decided by canonical URL (`bot.content.urls`), across every source.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from bot.content.article import Decision, Record
from bot.store import sql as db
from bot.store import totals
from bot.store.queries import DECISION_IN_FORCE
from bot.store.rows import decision_of, item_row
from bot.store.tables import SUGGESTION, decisions, items, publications, review_posts


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """Where a known link stands: in the pool, in review, decided, published."""

    item_id: str
    title: str
    review: tuple[str, datetime] | None = None  # (channel, sent at)
    decision: Decision | None = None
    publications: tuple[tuple[str, datetime], ...] = ()  # (channel, when), oldest first


def add_suggestion(conn: Connection, record: Record, now: datetime) -> bool:
    """Insert the suggested item; False when an item with its id is already stored."""
    row = {**item_row(record, now), "source": SUGGESTION}
    # status's item totals follow the insert
    added = totals.moved(conn, [row["id"]], lambda: db.insert_ignore(conn, items, row, ["id"]))
    if added:
        db.add_topic_counts(conn, Counter(record.article.topics))
    return added


def find_link(conn: Connection, keys: Sequence[str]) -> Whereabouts | None:
    """The item whose canonical URL is one of `keys`: a published one first, then a present
    one; an item that left the library unpublished no longer counts."""
    stmt = select(items.c.id, items.c.present, items.c.data)
    stmt = stmt.where(items.c.canonical_url.in_([k for k in keys if k])).order_by(items.c.id)
    found = [(row.present, _whereabouts(conn, row.id, row.data)) for row in conn.execute(stmt)]
    published = [where for _, where in found if where.publications]
    present = [where for is_present, where in found if is_present]
    return (published or present or [None])[0]


def _whereabouts(conn: Connection, item_id: str, data: str) -> Whereabouts:
    sent = select(review_posts.c.channel, review_posts.c.sent_at)
    sent = sent.where(review_posts.c.item_id == item_id).order_by(review_posts.c.sent_at.desc())
    review = conn.execute(sent).first()
    in_force = select(decisions).select_from(items.join(decisions, DECISION_IN_FORCE))
    decided = conn.execute(in_force.where(items.c.id == item_id)).first()
    pubs = conn.execute(
        select(publications.c.channel, publications.c.published_at)
        .where(publications.c.item_id == item_id)
        .order_by(publications.c.published_at, publications.c.channel)
    ).all()
    return Whereabouts(
        item_id=item_id,
        title=str(json.loads(data).get("title", "")),
        review=(review.channel, review.sent_at) if review else None,
        decision=decision_of(decided) if decided else None,
        publications=tuple((p.channel, p.published_at) for p in pubs),
    )
