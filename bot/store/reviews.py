"""Review posts and decisions: what was shown to the approvers, and what they decided.

A decision is on the content the approver saw (its fingerprint), so an item whose content
changes after a decision is back to undecided while the old decision stays in its history.
`decisions` holds one row per (item, fingerprint): of two approvers clicking at once, the
first insert wins and the other gets the standing decision back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine, select

from bot.content.article import APPROVED, REJECTED, Article, Decision
from bot.store import sql as db
from bot.store.queries import (
    ARTICLE_COLUMNS,
    DECISION_IN_FORCE,
    SENT_AS_IS,
    WITH_DECISION,
    current_fingerprint,
)
from bot.store.rows import article_of, decision_of
from bot.store.tables import PRESENT, decisions, items, review_posts

log = logging.getLogger(__name__)


class Reviews:
    """Review posts and approvers' decisions, on the store's engine (`store.reviews`)."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self.engine = engine
        self._writer = writer

    def mark_sent_for_review(
        self, item_id: str, channel: str, ts: str, now: datetime, fingerprint: str | None = None
    ) -> bool:
        """Record the review post of an item's content (`fingerprint`, default: the current
        one); False when that content had been sent already."""
        row = {"item_id": item_id, "channel": channel, "ts": ts, "sent_at": now}
        with self._writer.begin() as conn:
            row["fingerprint"] = fingerprint or current_fingerprint(conn, item_id) or ""
            return db.insert_ignore(conn, review_posts, row, ["item_id", "fingerprint"])

    def review_post(self, item_id: str) -> tuple[str, str] | None:
        """(channel, ts) of the item's latest review post."""
        stmt = select(review_posts.c.channel, review_posts.c.ts)
        stmt = stmt.where(review_posts.c.item_id == item_id).order_by(review_posts.c.sent_at.desc())
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else (row.channel, row.ts)

    def shown_in(self, channel: str, ts: str) -> str | None:
        """The fingerprint of the content the review post (channel, ts) showed, if it is one."""
        where = (review_posts.c.channel == channel) & (review_posts.c.ts == ts)
        with self.engine.connect() as conn:
            return conn.scalar(select(review_posts.c.fingerprint).where(where))

    def decide(
        self,
        item_id: str,
        decision: str,
        user_id: str,
        now: datetime,
        *,
        title: str | None = None,
        excerpt: str | None = None,
        seen: str | None = None,
    ) -> tuple[Decision, bool]:
        """Decide on the content the approver saw (`seen`, a fingerprint; default: the
        current content) unless a decision on it stands: (that decision, True if new)."""
        if decision not in (APPROVED, REJECTED):
            raise ValueError(f"unknown decision {decision!r}")
        row = dict(item_id=item_id, decision=decision, user_id=user_id, decided_at=now)
        row.update(title=title, excerpt=excerpt)
        with self._writer.begin() as conn:
            row["fingerprint"] = seen or current_fingerprint(conn, item_id)
            if row["fingerprint"] is None:
                raise KeyError(f"unknown item {item_id!r}")
            made = db.try_insert(conn, decisions, row) is not None
            key = (decisions.c.item_id == item_id) & (decisions.c.fingerprint == row["fingerprint"])
            stored = conn.execute(select(decisions).where(key)).first()
        if stored is None:  # the insert failed on the foreign key, not on a rival decision
            raise KeyError(f"unknown item {item_id!r}")
        log.info("decision on %s: %s (new: %s)", item_id, stored.decision, made)
        return decision_of(stored), made

    def decision(self, item_id: str) -> Decision | None:
        """The decision in force: the one on the item's current content."""
        stmt = select(decisions).select_from(items.join(decisions, DECISION_IN_FORCE))
        with self.engine.connect() as conn:
            row = conn.execute(stmt.where(items.c.id == item_id)).first()
        return None if row is None else decision_of(row)

    def decision_history(self, item_id: str) -> list[Decision]:
        """Every decision ever taken on the item, stale ones included, oldest first."""
        stmt = select(decisions).where(decisions.c.item_id == item_id)
        with self.engine.connect() as conn:
            return [decision_of(r) for r in conn.execute(stmt.order_by(decisions.c.decided_at))]

    def pending_review(self, limit: int = 50) -> list[Article]:
        """Present items sent for review and not decided yet, oldest post first."""
        joined = WITH_DECISION.join(review_posts, SENT_AS_IS)
        stmt = select(*ARTICLE_COLUMNS).select_from(joined).where(PRESENT)
        stmt = stmt.where(decisions.c.item_id.is_(None))
        stmt = stmt.order_by(review_posts.c.sent_at, items.c.id)
        with self.engine.connect() as conn:
            return [article_of(r, False) for r in conn.execute(stmt.limit(limit))]
