"""Shared SQL of the store: the columns it reads back, the candidate query and the counts.

Tables live in `bot.store.tables`; rows become objects in `bot.store.rows`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Select, Table

from bot.content.article import APPROVED, REJECTED
from bot.store.tables import PRESENT, RANK, bad_files, decisions, items, publications, review_posts
from bot.store.totals import totals_columns

# Named as Candidate's fields; published_at is still epoch seconds here (0 = unknown).
CANDIDATE_COLUMNS = (
    *(items.c[n] for n in ("id", "quality", "heat")),
    items.c.published_ts.label("published_at"),
    *(items.c[n] for n in ("provider", "topics", "canonical_url", "title_key")),
)

ARTICLE_COLUMNS = (items.c.data, decisions.c.decision, decisions.c.title, decisions.c.excerpt)
# A decision or a review post is about one version of the item (SPEC §3 "Decisions bind
# content"): only those of the item's current fingerprint are in force.
DECISION_IN_FORCE = (decisions.c.item_id == items.c.id) & (
    decisions.c.fingerprint == items.c.fingerprint
)
WITH_DECISION = items.outerjoin(decisions, DECISION_IN_FORCE)
SENT_AS_IS = (review_posts.c.item_id == items.c.id) & (
    review_posts.c.fingerprint == items.c.fingerprint
)


def current_fingerprint(conn: Connection, item_id: str) -> str | None:
    """The fingerprint of the item's current content; None for an unknown item."""
    return conn.scalar(sa.select(items.c.fingerprint).where(items.c.id == item_id))


def exists_for(table: Table, *where: Any) -> Any:
    """EXISTS a row of `table` (review_posts, decisions, publications) for the current item,
    for its current content where the table is bound to content (decisions, review posts)."""
    bound = [table.c.fingerprint == items.c.fingerprint] if "fingerprint" in table.c else []
    return sa.exists().where(table.c.item_id == items.c.id, *bound, *where)


def candidate_query(
    channel: str | None, quality_min: int, approved_only: bool, not_sent_for_review: bool
) -> Select[Any]:
    """Ranked ids of items that may still be picked (see Store.candidates)."""
    in_channel = [publications.c.channel == channel] if channel is not None else []
    stmt = sa.select(*CANDIDATE_COLUMNS).where(
        PRESENT,
        items.c.source_published == sa.false(),
        items.c.quality >= quality_min,
        ~exists_for(decisions, decisions.c.decision == REJECTED),
        ~exists_for(publications, *in_channel),
    )
    if approved_only:
        # An IN list, not EXISTS: SQLite tests it on the rank index itself (it holds the id),
        # so walking past thousands of unapproved items costs no subquery for each.
        approved = sa.select(decisions.c.item_id).where(decisions.c.decision == APPROVED)
        stmt = stmt.where(items.c.id.in_(approved), exists_for(decisions))
    if not_sent_for_review:
        stmt = stmt.where(~exists_for(review_posts))
    return stmt.order_by(*RANK)


def count_columns() -> list[Any]:
    """Labelled scalar subqueries, one per number of Store.counts().

    None reads every item: present and pickable items come from the one `item_totals`
    row (bot.store.totals), and the rest is counted from the small tables (publications,
    decisions, review posts), each of their rows looking its item up by primary key. (A
    join would let SQLite walk the items instead.) Counting the items themselves took
    ~0.1 s on PostgreSQL right after a bulk load, before autovacuum.
    """
    pickable = (PRESENT, items.c.source_published == sa.false())
    in_force = _item_is(decisions, items.c.fingerprint == decisions.c.fingerprint)
    taken = sa.union(
        sa.select(publications.c.item_id),
        sa.select(decisions.c.item_id).where(decisions.c.decision == REJECTED, in_force),
    ).subquery()
    present, unpublished = totals_columns()
    queries = {
        "published": sa.select(sa.func.count(publications.c.item_id.distinct())),
        "pending_review": _count(
            review_posts,
            _item_is(review_posts, PRESENT, items.c.fingerprint == review_posts.c.fingerprint),
            ~sa.exists().where(
                decisions.c.item_id == review_posts.c.item_id,
                decisions.c.fingerprint == review_posts.c.fingerprint,
            ),
        ),
        "approved_unpublished": _count(
            decisions,
            decisions.c.decision == APPROVED,
            _item_is(decisions, *pickable, items.c.fingerprint == decisions.c.fingerprint),
            ~sa.exists().where(publications.c.item_id == decisions.c.item_id),
        ),
        "rejected": _count(decisions, decisions.c.decision == REJECTED, in_force),
        "bad_files": _count(bad_files),
    }
    columns = {"items": present, "unpublished": unpublished}  # minus the `taken` ones, below
    columns |= {name: q.scalar_subquery() for name, q in queries.items()}
    columns["unpublished"] -= _count(taken, _item_is(taken, *pickable)).scalar_subquery()
    return [column.label(name) for name, column in columns.items()]


def _item_is(rows: Any, *where: Any) -> Any:
    """EXISTS the item of the current row of `rows` (a table or subquery with item_id)."""
    return sa.exists().where(items.c.id == rows.c.item_id, *where)


def _count(source: Any, *where: Any) -> Select[Any]:
    return sa.select(sa.func.count()).select_from(source).where(*where)
