"""Follows and personal sends in SQL: who follows which topic, what each person was sent.

`personal_sends` is unique per (user, item): an item reaches a person at most once, whatever
the number of processes, restarts or retries. Personal runs are ordinary runs (see
`bot.store.runs`) of kind "personal" keyed by the user id; the queries about a round of
them (for `status`) live here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, select

from bot.content.article import APPROVED, REJECTED
from bot.content.ranking import fold_topic
from bot.content.select import Candidate
from bot.store import sql as db
from bot.store.queries import CANDIDATE_COLUMNS, exists_for
from bot.store.rows import candidate_of_row
from bot.store.tables import PRESENT, RANK, decisions, follows, items, personal_sends, runs

_STREAM_BATCH = 500


def topic_key(topic: str) -> str:
    """The key a follow is stored under: one per folded topic, of bounded size."""
    return hashlib.sha256(fold_topic(topic).encode("utf-8", "surrogatepass")).hexdigest()


class FollowStore:
    """Follows and personal sends, on the store's engine (`store.follows`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = db.writer(engine)

    # ------------------------------------------------------------ follows

    def follow(self, user_id: str, topic: str, now: datetime) -> bool:
        """Follow `topic`; False when `user_id` already follows it (in any spelling)."""
        row = dict(user_id=user_id, topic_key=topic_key(topic), topic=topic, followed_at=now)
        with self._writer.begin() as conn:
            return db.insert_ignore(conn, follows, row, ["user_id", "topic_key"])

    def unfollow(self, user_id: str, topic: str) -> bool:
        """Stop following `topic`; False when `user_id` did not follow it."""
        where = (follows.c.user_id == user_id) & (follows.c.topic_key == topic_key(topic))
        with self._writer.begin() as conn:
            return conn.execute(sa.delete(follows).where(where)).rowcount == 1

    def following(self, user_id: str) -> list[str]:
        """The topics `user_id` follows, by name."""
        stmt = select(follows.c.topic).where(follows.c.user_id == user_id)
        with self.engine.connect() as conn:
            return sorted(conn.scalars(stmt), key=str.casefold)

    def followers(self) -> dict[str, list[str]]:
        """Every follower with their topics, by user id."""
        stmt = select(follows.c.user_id, follows.c.topic).order_by(follows.c.user_id)
        out: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for user_id, topic in conn.execute(stmt):
                out.setdefault(user_id, []).append(topic)
        return out

    def follower_count(self) -> int:
        stmt = select(sa.func.count(follows.c.user_id.distinct()))
        with self.engine.connect() as conn:
            return int(conn.scalar(stmt) or 0)

    # ------------------------------------------------------------ personal sends

    def candidates(self, quality_min: int, approved_only: bool) -> Iterator[Candidate]:
        """Eligible items (SPEC §2 without the per-channel rules), best first."""
        # Unlike a channel's, a follower's candidates include items already posted in a
        # channel: what counts is whether this person was sent it (see `sent_keys`).
        stmt = select(*CANDIDATE_COLUMNS).where(
            PRESENT,
            items.c.source_published == sa.false(),
            items.c.quality >= quality_min,
            ~exists_for(decisions, decisions.c.decision == REJECTED),
        )
        if approved_only:
            approved = select(decisions.c.item_id).where(decisions.c.decision == APPROVED)
            stmt = stmt.where(items.c.id.in_(approved), exists_for(decisions))  # in force
        stmt = stmt.order_by(*RANK)
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=_STREAM_BATCH).execute(stmt)
            for row in rows:
                yield candidate_of_row(row)

    def sent_keys(self, user_id: str) -> tuple[set[str], set[str], set[str]]:
        """(item ids, canonical urls, title keys) of everything `user_id` was sent."""
        joined = personal_sends.join(items, items.c.id == personal_sends.c.item_id)
        stmt = select(items.c.id, items.c.canonical_url, items.c.title_key).select_from(joined)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.where(personal_sends.c.user_id == user_id)).all()
        return {r[0] for r in rows}, {r[1] for r in rows} - {""}, {r[2] for r in rows} - {""}

    def record_sends(
        self, user_id: str, item_ids: Sequence[str], run_id: int | None, ts: str, now: datetime
    ) -> list[str]:
        """Record items sent to `user_id`; returns those not recorded before."""
        base = dict(user_id=user_id, run_id=run_id, ts=ts, sent_at=now)
        keys = ["user_id", "item_id"]
        with self._writer.begin() as conn:
            rows = [{**base, "item_id": item_id} for item_id in dict.fromkeys(item_ids)]
            return [r["item_id"] for r in rows if db.insert_ignore(conn, personal_sends, r, keys)]

    def sent_in_run(self, run_id: int) -> int:
        """How many items the run already sent (a run taken over may have posted)."""
        stmt = select(sa.func.count()).where(personal_sends.c.run_id == run_id)
        with self.engine.connect() as conn:
            return int(conn.scalar(stmt) or 0)

    # ------------------------------------------------------------ rounds, for status

    def round_states(self, kind: str, due_at: datetime) -> dict[str, str]:
        """user id -> status of that user's run for `due_at`."""
        stmt = select(runs.c.key, runs.c.status).where(
            (runs.c.kind == kind) & (runs.c.due_at == due_at)
        )
        with self.engine.connect() as conn:
            return dict(conn.execute(stmt).all())

    def last_round(self, kind: str, shown: int) -> dict[str, Any] | None:
        """The latest round: due time, count per status, and the people not reached."""
        with self.engine.connect() as conn:
            latest = sa.func.max(runs.c.due_at, type_=runs.c.due_at.type)
            due = conn.scalar(select(latest).where(runs.c.kind == kind))
            if due is None:
                return None
            of_round = (runs.c.kind == kind) & (runs.c.due_at == due)
            counts = conn.execute(
                select(runs.c.status, sa.func.count()).where(of_round).group_by(runs.c.status)
            ).all()
            problems = conn.execute(
                select(runs.c.key, runs.c.status, runs.c.error)
                .where(of_round & runs.c.status.in_(("skipped", "failed")))
                .order_by(runs.c.status, runs.c.key)
                .limit(shown)
            ).all()
        return {
            "due_at": due,
            "counts": {status: n for status, n in counts},
            "not_reached": [dict(r._mapping) for r in problems],
        }
